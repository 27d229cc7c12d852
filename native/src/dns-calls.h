// The blocking name-service calls the addon runs on its own threads. Layer: native (no N-API
// here: plain C++ over the C library, so a job can run on any thread).
#ifndef GEVENT_NATIVE_DNS_CALLS_H_
#define GEVENT_NATIVE_DNS_CALLS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace gevent_native {

// What a job asks for. The numbers are part of the JS contract (native/index.ts).
enum JobKind : int {
  kLookup = 1,         // dns.lookup's getaddrinfo: addresses only, SOCK_STREAM, ordered
  kGetAddrInfo = 2,    // the full getaddrinfo(3) result
  kGetNameInfo = 3,    // getnameinfo(3) on a numeric address
  kGetHostByName = 4,  // gethostbyname2_r(3)
  kGetHostByAddr = 5,  // gethostbyaddr_r(3) on a numeric address
};

// Result orders for kLookup (the same numbers as Node's DNS_ORDER_*).
enum LookupOrder : int { kVerbatim = 0, kIpv4First = 1, kIpv6First = 2 };

struct AddrEntry {
  int family = 0;
  int socktype = 0;
  int protocol = 0;
  std::string canonname;
  std::string address;
  int port = 0;
  uint32_t flowinfo = 0;
  uint32_t scopeid = 0;
};

struct Job {
  uint32_t id = 0;
  int kind = 0;
  // Inputs.
  std::string host;
  std::string service;
  bool has_host = false;
  bool has_service = false;
  int family = 0;
  int socktype = 0;
  int protocol = 0;
  int flags = 0;
  int order = kVerbatim;
  int port = 0;
  uint32_t flowinfo = 0;
  uint32_t scopeid = 0;
  // Outputs. `status` is 0 on success; otherwise an EAI_* code for kLookup, kGetAddrInfo and
  // kGetNameInfo, or an h_errno value for kGetHostByName and kGetHostByAddr.
  int status = 0;
  int sys_errno = 0;
  std::vector<AddrEntry> entries;       // kGetAddrInfo
  std::vector<std::string> names;       // kLookup: addresses; kGetNameInfo: host, service;
                                        // hostent kinds: h_name then the aliases
  std::vector<std::string> addresses;   // hostent kinds: the addresses
};

// Runs the blocking call a job describes and fills in its outputs.
void RunJob(Job& job);

}  // namespace gevent_native

#endif  // GEVENT_NATIVE_DNS_CALLS_H_
