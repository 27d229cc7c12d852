// gevent-ts native addon: blocking getaddrinfo/getnameinfo/gethostbyname/gethostbyaddr on
// threads the addon owns, reported back to JS through one ThreadSafeFunction. Layer: native.
//
// JS contract (native/index.ts is the only caller):
//   init(deliver, maxThreads)            once; deliver(id, status, errno, result) per job
//   lookup(id, host, family, hints, order)
//   lookupMany([id, host, family, hints, order, id, host, ...])   several lookups, one lock
//   getaddrinfo(id, host|null, service|null, family, socktype, protocol, flags)
//   getnameinfo(id, host, port, flowinfo, scopeid, flags)
//   gethostbyname(id, host, family)      gethostbyaddr(id, host)
//   cancel(id) -> boolean (true: dropped before it ran)   stats() -> {threads, idle, queued, outstanding}
//   lookupSync(host, family, hints, order) -> [status, errno, addresses]   blocks the caller; for
//                                        benchmarks of the worker-pool design, not for the loop
// The ThreadSafeFunction holds the event loop open only while jobs are outstanding.
#include <napi.h>

#include <memory>
#include <string>

#include "dns-calls.h"
#include "work-pool.h"

namespace gevent_native {

class Addon;
void CallDeliver(Napi::Env env, Napi::Function deliver, Addon* self, void* data);
using DeliverFn = Napi::TypedThreadSafeFunction<Addon, void, CallDeliver>;

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceMethod("init", &Addon::Start),
                             InstanceMethod("lookup", &Addon::Lookup),
                             InstanceMethod("lookupMany", &Addon::LookupMany),
                             InstanceMethod("getaddrinfo", &Addon::GetAddrInfo),
                             InstanceMethod("getnameinfo", &Addon::GetNameInfo),
                             InstanceMethod("gethostbyname", &Addon::GetHostByName),
                             InstanceMethod("gethostbyaddr", &Addon::GetHostByAddr),
                             InstanceMethod("cancel", &Addon::Cancel),
                             InstanceMethod("lookupSync", &Addon::LookupSync),
                             InstanceMethod("stats", &Addon::Stats),
                         });
    (void)env;
  }

  // Runs on the JS thread when a batch of jobs has finished.
  void DeliverBatch(Napi::Env env, Napi::Function deliver) {
    if (pool_ == nullptr) return;
    for (Job* job : pool_->TakeDone()) {
      std::unique_ptr<Job> owned(job);
      Release(env);
      Napi::Value result = job->status == 0 ? ResultOf(env, *job) : env.Null();
      deliver.Call({Napi::Number::New(env, job->id), Napi::Number::New(env, job->status),
                    Napi::Number::New(env, job->sys_errno), result});
      if (env.IsExceptionPending()) return;  // the JS side reports its own errors
    }
  }

 private:
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (pool_ != nullptr) return Throw(env, "init() was already called");
    if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsNumber()) {
      return Throw(env, "init(deliver, maxThreads) expects a function and a number");
    }
    int max_threads = info[1].As<Napi::Number>().Int32Value();
    deliver_ = DeliverFn::New(env, info[0].As<Napi::Function>(), "gevent-ts dns", 0, 1, this);
    deliver_.Unref(env);
    DeliverFn* deliver = &deliver_;
    pool_ = std::make_shared<WorkPool>(max_threads > 0 ? max_threads : 1,
                                       [deliver]() { deliver->NonBlockingCall(); });
    // Registered after the ThreadSafeFunction, so it runs before Node tears that down.
    env.AddCleanupHook([this]() {
      pool_->Stop();
      deliver_.Release();
    });
    return env.Undefined();
  }

  Napi::Value Lookup(const Napi::CallbackInfo& info) {
    Job* job = NewJob(info, kLookup, 5);
    if (job == nullptr) return info.Env().Undefined();
    job->host = info[1].As<Napi::String>().Utf8Value();
    job->has_host = true;
    job->family = IntArg(info, 2);
    job->flags = IntArg(info, 3);
    job->order = IntArg(info, 4);
    return Submit(info.Env(), job);
  }

  Napi::Value LookupMany(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (pool_ == nullptr) return Throw(env, "init() must be called first");
    if (info.Length() < 1 || !info[0].IsArray()) return Throw(env, "lookupMany(array)");
    Napi::Array flat = info[0].As<Napi::Array>();
    uint32_t length = flat.Length();
    if (length % 5 != 0) return Throw(env, "lookupMany: 5 slots per lookup");
    std::vector<Job*> jobs;
    jobs.reserve(length / 5);
    for (uint32_t i = 0; i < length; i += 5) {
      Napi::Value host = flat.Get(i + 1);
      if (!host.IsString()) {
        for (Job* job : jobs) delete job;
        return Throw(env, "lookupMany: the host must be a string");
      }
      Job* job = new Job();
      job->kind = kLookup;
      job->id = flat.Get(i).As<Napi::Number>().Uint32Value();
      job->host = host.As<Napi::String>().Utf8Value();
      job->has_host = true;
      job->family = flat.Get(i + 2).As<Napi::Number>().Int32Value();
      job->flags = flat.Get(i + 3).As<Napi::Number>().Int32Value();
      job->order = flat.Get(i + 4).As<Napi::Number>().Int32Value();
      jobs.push_back(job);
    }
    if (jobs.empty()) return env.Undefined();
    if (outstanding_ == 0) deliver_.Ref(env);
    outstanding_ += static_cast<double>(jobs.size());
    pool_->SubmitMany(jobs);
    return env.Undefined();
  }

  Napi::Value GetAddrInfo(const Napi::CallbackInfo& info) {
    Job* job = NewJob(info, kGetAddrInfo, 7);
    if (job == nullptr) return info.Env().Undefined();
    if (info[1].IsString()) {
      job->host = info[1].As<Napi::String>().Utf8Value();
      job->has_host = true;
    }
    if (info[2].IsString()) {
      job->service = info[2].As<Napi::String>().Utf8Value();
      job->has_service = true;
    }
    job->family = IntArg(info, 3);
    job->socktype = IntArg(info, 4);
    job->protocol = IntArg(info, 5);
    job->flags = IntArg(info, 6);
    return Submit(info.Env(), job);
  }

  Napi::Value GetNameInfo(const Napi::CallbackInfo& info) {
    Job* job = NewJob(info, kGetNameInfo, 6);
    if (job == nullptr) return info.Env().Undefined();
    job->host = info[1].As<Napi::String>().Utf8Value();
    job->port = IntArg(info, 2);
    job->flowinfo = static_cast<uint32_t>(IntArg(info, 3));
    job->scopeid = static_cast<uint32_t>(IntArg(info, 4));
    job->flags = IntArg(info, 5);
    return Submit(info.Env(), job);
  }

  Napi::Value GetHostByName(const Napi::CallbackInfo& info) {
    Job* job = NewJob(info, kGetHostByName, 3);
    if (job == nullptr) return info.Env().Undefined();
    job->host = info[1].As<Napi::String>().Utf8Value();
    job->family = IntArg(info, 2);
    return Submit(info.Env(), job);
  }

  Napi::Value GetHostByAddr(const Napi::CallbackInfo& info) {
    Job* job = NewJob(info, kGetHostByAddr, 2);
    if (job == nullptr) return info.Env().Undefined();
    job->host = info[1].As<Napi::String>().Utf8Value();
    return Submit(info.Env(), job);
  }

  Napi::Value LookupSync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsString()) return Throw(env, "lookupSync(host, ...)");
    Job job;
    job.kind = kLookup;
    job.host = info[0].As<Napi::String>().Utf8Value();
    job.family = IntArg(info, 1);
    job.flags = IntArg(info, 2);
    job.order = IntArg(info, 3);
    RunJob(job);
    Napi::Array out = Napi::Array::New(env, 3);
    out.Set(0u, Napi::Number::New(env, job.status));
    out.Set(1u, Napi::Number::New(env, job.sys_errno));
    out.Set(2u, Strings(env, job.names));
    return out;
  }

  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (pool_ == nullptr || info.Length() < 1 || !info[0].IsNumber()) {
      return Napi::Boolean::New(env, false);
    }
    bool dropped = pool_->Cancel(info[0].As<Napi::Number>().Uint32Value());
    if (dropped) Release(env);
    return Napi::Boolean::New(env, dropped);
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    PoolStats stats = pool_ != nullptr ? pool_->Stats() : PoolStats{0, 0, 0, 0};
    out.Set("threads", Napi::Number::New(env, static_cast<double>(stats.threads)));
    out.Set("idle", Napi::Number::New(env, static_cast<double>(stats.idle)));
    out.Set("queued", Napi::Number::New(env, static_cast<double>(stats.queued)));
    out.Set("outstanding", Napi::Number::New(env, outstanding_));
    return out;
  }

  // Checks the common arguments (id first, the host string second) and makes the job.
  Job* NewJob(const Napi::CallbackInfo& info, int kind, size_t arity) {
    Napi::Env env = info.Env();
    if (pool_ == nullptr) {
      Throw(env, "init() must be called first");
      return nullptr;
    }
    if (info.Length() < arity || !info[0].IsNumber()) {
      Throw(env, "wrong number or type of arguments");
      return nullptr;
    }
    if (kind != kGetAddrInfo && !info[1].IsString()) {
      Throw(env, "the host argument must be a string");
      return nullptr;
    }
    Job* job = new Job();
    job->id = info[0].As<Napi::Number>().Uint32Value();
    job->kind = kind;
    return job;
  }

  static int IntArg(const Napi::CallbackInfo& info, size_t index) {
    return info[index].IsNumber() ? info[index].As<Napi::Number>().Int32Value() : 0;
  }

  Napi::Value Submit(Napi::Env env, Job* job) {
    if (outstanding_++ == 0) deliver_.Ref(env);
    pool_->Submit(job);
    return env.Undefined();
  }

  void Release(Napi::Env env) {
    if (outstanding_ > 0 && --outstanding_ == 0) deliver_.Unref(env);
  }

  static Napi::Value Throw(Napi::Env env, const char* message) {
    Napi::TypeError::New(env, std::string("gevent_native: ") + message)
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }

  static Napi::Array Strings(Napi::Env env, const std::vector<std::string>& items) {
    Napi::Array out = Napi::Array::New(env, items.size());
    for (uint32_t i = 0; i < items.size(); ++i) out.Set(i, Napi::String::New(env, items[i]));
    return out;
  }

  static Napi::Value ResultOf(Napi::Env env, const Job& job) {
    switch (job.kind) {
      case kGetAddrInfo: {
        // Flat: 8 slots per entry, fewer objects to build than one array per entry.
        Napi::Array out = Napi::Array::New(env, job.entries.size() * 8);
        uint32_t i = 0;
        for (const AddrEntry& e : job.entries) {
          out.Set(i++, Napi::Number::New(env, e.family));
          out.Set(i++, Napi::Number::New(env, e.socktype));
          out.Set(i++, Napi::Number::New(env, e.protocol));
          out.Set(i++, Napi::String::New(env, e.canonname));
          out.Set(i++, Napi::String::New(env, e.address));
          out.Set(i++, Napi::Number::New(env, e.port));
          out.Set(i++, Napi::Number::New(env, e.flowinfo));
          out.Set(i++, Napi::Number::New(env, e.scopeid));
        }
        return out;
      }
      case kGetHostByName:
      case kGetHostByAddr: {
        Napi::Array out = Napi::Array::New(env, 2);
        out.Set(0u, Strings(env, job.names));
        out.Set(1u, Strings(env, job.addresses));
        return out;
      }
      default:
        return Strings(env, job.names);
    }
  }

  std::shared_ptr<WorkPool> pool_;
  DeliverFn deliver_;
  double outstanding_ = 0;
};

void CallDeliver(Napi::Env env, Napi::Function deliver, Addon* self, void* /*data*/) {
  if (env == nullptr || self == nullptr) return;
  self->DeliverBatch(env, deliver);
}

}  // namespace gevent_native

using GeventNativeAddon = gevent_native::Addon;
NODE_API_ADDON(GeventNativeAddon)
