// The blocking name-service calls, run on the addon's own threads (see work-pool.cc).
// getaddrinfo/getnameinfo are POSIX; the reentrant gethostby*_r calls are glibc's, with a
// getaddrinfo/getnameinfo stand-in elsewhere.
#include "dns-calls.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace gevent_native {
namespace {

std::string AddressText(const sockaddr* sa) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text,
              sizeof text);
  }
  return text;
}

void Fail(Job& job, int status) {
  job.status = status;
#ifdef EAI_SYSTEM
  if (status == EAI_SYSTEM) job.sys_errno = errno;
#endif
}

void AppendFamily(Job& job, const addrinfo* list, int family) {
  for (const addrinfo* p = list; p != nullptr; p = p->ai_next) {
    bool wanted = family == AF_UNSPEC ? (p->ai_family == AF_INET || p->ai_family == AF_INET6)
                                      : p->ai_family == family;
    if (wanted) job.names.push_back(AddressText(p->ai_addr));
  }
}

// dns.lookup()'s call: SOCK_STREAM only, addresses as text, in the requested order.
void RunLookup(Job& job) {
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = job.family == 4 ? AF_INET : job.family == 6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = job.flags;
  addrinfo* list = nullptr;
  int rc = getaddrinfo(job.host.c_str(), nullptr, &hints, &list);
  if (rc != 0) return Fail(job, rc);
  if (job.order == kIpv4First) {
    AppendFamily(job, list, AF_INET);
    AppendFamily(job, list, AF_INET6);
  } else if (job.order == kIpv6First) {
    AppendFamily(job, list, AF_INET6);
    AppendFamily(job, list, AF_INET);
  } else {
    AppendFamily(job, list, AF_UNSPEC);
  }
  freeaddrinfo(list);
  if (job.names.empty()) job.status = EAI_NODATA;
}

void RunGetAddrInfo(Job& job) {
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = job.family;
  hints.ai_socktype = job.socktype;
  hints.ai_protocol = job.protocol;
  hints.ai_flags = job.flags;
  addrinfo* list = nullptr;
  int rc = getaddrinfo(job.has_host ? job.host.c_str() : nullptr,
                       job.has_service ? job.service.c_str() : nullptr, &hints, &list);
  if (rc != 0) return Fail(job, rc);
  for (const addrinfo* p = list; p != nullptr; p = p->ai_next) {
    AddrEntry entry;
    entry.family = p->ai_family;
    entry.socktype = p->ai_socktype;
    entry.protocol = p->ai_protocol;
    if (p->ai_canonname != nullptr) entry.canonname = p->ai_canonname;
    entry.address = AddressText(p->ai_addr);
    if (p->ai_family == AF_INET) {
      entry.port = ntohs(reinterpret_cast<const sockaddr_in*>(p->ai_addr)->sin_port);
    } else if (p->ai_family == AF_INET6) {
      auto* sa6 = reinterpret_cast<const sockaddr_in6*>(p->ai_addr);
      entry.port = ntohs(sa6->sin6_port);
      entry.flowinfo = ntohl(sa6->sin6_flowinfo);
      entry.scopeid = sa6->sin6_scope_id;
    } else {
      continue;
    }
    job.entries.push_back(std::move(entry));
  }
  freeaddrinfo(list);
}

// Parses a numeric address into `storage`; returns its length, or 0 when it is not numeric.
socklen_t ParseAddress(const Job& job, sockaddr_storage* storage) {
  std::memset(storage, 0, sizeof *storage);
  auto* sa4 = reinterpret_cast<sockaddr_in*>(storage);
  if (inet_pton(AF_INET, job.host.c_str(), &sa4->sin_addr) == 1) {
    sa4->sin_family = AF_INET;
    sa4->sin_port = htons(static_cast<uint16_t>(job.port));
    return sizeof(sockaddr_in);
  }
  auto* sa6 = reinterpret_cast<sockaddr_in6*>(storage);
  if (inet_pton(AF_INET6, job.host.c_str(), &sa6->sin6_addr) == 1) {
    sa6->sin6_family = AF_INET6;
    sa6->sin6_port = htons(static_cast<uint16_t>(job.port));
    sa6->sin6_flowinfo = htonl(job.flowinfo);
    sa6->sin6_scope_id = job.scopeid;
    return sizeof(sockaddr_in6);
  }
  return 0;
}

void RunGetNameInfo(Job& job) {
  sockaddr_storage storage;
  socklen_t length = ParseAddress(job, &storage);
  if (length == 0) return Fail(job, EAI_NONAME);
  char host[NI_MAXHOST] = {0};
  char service[NI_MAXSERV] = {0};
  int rc = getnameinfo(reinterpret_cast<sockaddr*>(&storage), length, host, sizeof host, service,
                       sizeof service, job.flags);
  if (rc != 0) return Fail(job, rc);
  job.names.push_back(host);
  job.names.push_back(service);
}

void CopyHostent(Job& job, const hostent* he) {
  job.names.push_back(he->h_name != nullptr ? he->h_name : "");
  for (char** alias = he->h_aliases; alias != nullptr && *alias != nullptr; ++alias) {
    job.names.push_back(*alias);
  }
  for (char** addr = he->h_addr_list; addr != nullptr && *addr != nullptr; ++addr) {
    char text[INET6_ADDRSTRLEN] = {0};
    inet_ntop(he->h_addrtype, *addr, text, sizeof text);
    job.addresses.push_back(text);
  }
}

#if defined(__GLIBC__)
// Calls a glibc *_r function, growing its scratch buffer while it answers ERANGE.
template <typename Call>
void WithHostentBuffer(Job& job, Call call) {
  std::vector<char> buffer(2048);
  for (;;) {
    hostent storage;
    hostent* result = nullptr;
    int h_err = 0;
    int rc = call(&storage, buffer.data(), buffer.size(), &result, &h_err);
    if (rc == ERANGE && buffer.size() < (1u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (result == nullptr) {
      job.status = h_err != 0 ? h_err : HOST_NOT_FOUND;
      if (h_err == NETDB_INTERNAL) job.sys_errno = rc != 0 ? rc : errno;
      return;
    }
    CopyHostent(job, result);
    return;
  }
}

void RunGetHostByName(Job& job) {
  int family = job.family == 0 ? AF_INET : job.family;
  WithHostentBuffer(job, [&](hostent* he, char* buf, size_t len, hostent** out, int* h_err) {
    return gethostbyname2_r(job.host.c_str(), family, he, buf, len, out, h_err);
  });
}

void RunGetHostByAddr(Job& job) {
  sockaddr_storage storage;
  if (ParseAddress(job, &storage) == 0) {
    job.status = HOST_NOT_FOUND;
    return;
  }
  const void* addr;
  socklen_t length;
  int family = storage.ss_family;
  if (family == AF_INET) {
    addr = &reinterpret_cast<sockaddr_in*>(&storage)->sin_addr;
    length = sizeof(in_addr);
  } else {
    addr = &reinterpret_cast<sockaddr_in6*>(&storage)->sin6_addr;
    length = sizeof(in6_addr);
  }
  WithHostentBuffer(job, [&](hostent* he, char* buf, size_t len, hostent** out, int* h_err) {
    return gethostbyaddr_r(addr, length, family, he, buf, len, out, h_err);
  });
}
#else
// Without glibc's reentrant calls: the same answers built from getaddrinfo/getnameinfo.
void RunGetHostByName(Job& job) {
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = job.family == 0 ? AF_INET : job.family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_CANONNAME;
  addrinfo* list = nullptr;
  if (getaddrinfo(job.host.c_str(), nullptr, &hints, &list) != 0) {
    job.status = HOST_NOT_FOUND;
    return;
  }
  job.names.push_back(list->ai_canonname != nullptr ? list->ai_canonname : job.host);
  for (const addrinfo* p = list; p != nullptr; p = p->ai_next) {
    job.addresses.push_back(AddressText(p->ai_addr));
  }
  freeaddrinfo(list);
}

void RunGetHostByAddr(Job& job) {
  sockaddr_storage storage;
  socklen_t length = ParseAddress(job, &storage);
  char host[NI_MAXHOST] = {0};
  if (length == 0 || getnameinfo(reinterpret_cast<sockaddr*>(&storage), length, host,
                                 sizeof host, nullptr, 0, NI_NAMEREQD) != 0) {
    job.status = HOST_NOT_FOUND;
    return;
  }
  job.names.push_back(host);
  job.addresses.push_back(job.host);
}
#endif

}  // namespace

void RunJob(Job& job) {
  switch (job.kind) {
    case kLookup:
      return RunLookup(job);
    case kGetAddrInfo:
      return RunGetAddrInfo(job);
    case kGetNameInfo:
      return RunGetNameInfo(job);
    case kGetHostByName:
      return RunGetHostByName(job);
    case kGetHostByAddr:
      return RunGetHostByAddr(job);
    default:
      job.status = EAI_FAIL;
  }
}

}  // namespace gevent_native
