// gevent-ts native spawner: starts children as glibc's posix_spawn does (clone(CLONE_VM|
// CLONE_VFORK): a cost that does not grow with the parent's memory, unlike libuv's fork) on
// threads the addon owns, so the JS thread waits only until the child exists, not for its exec,
// and reaps exactly those children through pidfds watched by libuv poll handles on the JS
// thread. Layer: native.
//
// JS contract (native/spawn.ts is the only caller):
//   supported() -> bool        posix_spawn + pidfd_open usable here (Linux >= 5.3)
//   features() -> {chdir, setsid}   whether spawns with a cwd / a new session can be done
//   init(onEvent, threads)     once per env. onEvent(kind, id, a, b):
//                                kind 0 exec'd: a = pid, or 0 if the exec failed (the child
//                                  exited 127 and was reaped), b = errno (0: ok)
//                                kind 1 exited:  a = exit code (-1 for a signal), b = signal
//   spawn(id, file, argv, envp|null, cwd|null, [s0, s1, s2], flags) -> [pid, fd0, fd1, fd2]
//        queues the spawn and returns as soon as the child exists (not waiting for its exec:
//        an exec failure comes as kind 0 with pid 0) with its pid and our ends of the PIPE
//        slots (-1 elsewhere); -1 if no child could be made (nothing left open);
//        slot spec: -1 PIPE (an AF_UNIX socketpair, as libuv makes), -2 /dev/null,
//        n >= 0 this process's fd n (copied now: the caller may close it right away);
//        flags: 1 setsid. Throws (nothing queued, nothing left open) if the fds cannot be made.
// 'started' comes before 'exited' for an id, each exactly once. Reaping never uses waitpid(-1):
// libuv reaps only its own pids, we only ours. Queued spawns and running children keep the
// event loop alive, as a ChildProcess does. The spawn itself (slots, posix_spawn) is in
// spawn-job.cc; this file is the N-API side, the spawn threads and the pidfd watches.
#include <errno.h>
#include <napi.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "spawn-job.h"

namespace gevent_spawn {

struct State;

// One running child: its pidfd under a libuv poll handle.
struct Watch {
  uv_poll_t poll;
  State* state;
  uint32_t id;
  pid_t pid;
  int pidfd;
};

struct State {
  napi_env env = nullptr;
  napi_ref on_event = nullptr;
  napi_async_context context = nullptr;
  uv_async_t* async = nullptr;  // its own allocation: freed by its close callback, after us
  size_t max_threads = 4;
  std::unordered_set<Watch*> watches;
  size_t outstanding = 0;  // queued or running spawns (JS thread only)
  // Shared with the spawn threads:
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::deque<Job*> queue;
  std::vector<Job*> finished;
  std::unordered_map<uint32_t, Job*> jobs;  // from spawn() until reported
  std::vector<std::thread> threads;
  size_t idle = 0;
  bool stopping = false;
  // Env teardown (an async cleanup hook, so the addon stays loaded until our handles closed):
  napi_async_cleanup_hook_handle cleanup = nullptr;
  bool closing = false;
  size_t pending_closes = 0;
};

// One of our handles finished closing during teardown; the last one lets the env go on.
static void ClosedForTeardown(State* state) {
  if (--state->pending_closes != 0) return;
  napi_remove_async_cleanup_hook(state->cleanup);
  delete state;
}

static void SpawnThread(State* state) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, nullptr);  // no handler runs here, nor in a child's start
  std::unique_lock<std::mutex> lock(state->mu);
  for (;;) {
    ++state->idle;
    state->work_cv.wait(lock, [state] { return state->stopping || !state->queue.empty(); });
    --state->idle;
    if (state->queue.empty()) return;  // stopping
    Job* job = state->queue.front();
    state->queue.pop_front();
    lock.unlock();
    RunJob(job);
    lock.lock();
    job->done = true;
    state->finished.push_back(job);
    state->done_cv.notify_all();
    if (state->finished.size() == 1) uv_async_send(state->async);
  }
}

static void CallJs(State* state, int kind, uint32_t id, int a, int b) {
  napi_env env = state->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, args[4], result;
  napi_get_reference_value(env, state->on_event, &fn);
  napi_get_global(env, &recv);  // make_callback wants an object
  napi_create_int32(env, kind, &args[0]);
  napi_create_uint32(env, id, &args[1]);
  napi_create_int32(env, a, &args[2]);
  napi_create_int32(env, b, &args[3]);
  if (napi_make_callback(env, state->context, recv, fn, 4, args, &result) ==
      napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

static void OnPollClosed(uv_handle_t* handle) {
  Watch* watch = static_cast<Watch*>(handle->data);
  State* state = watch->state;
  delete watch;
  if (state->closing) ClosedForTeardown(state);
}

static void OnAsyncClosed(uv_handle_t* handle) {
  State* state = static_cast<State*>(handle->data);
  delete reinterpret_cast<uv_async_t*>(handle);
  ClosedForTeardown(state);
}

static void Unwatch(Watch* watch) {
  watch->state->watches.erase(watch);
  uv_poll_stop(&watch->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&watch->poll), OnPollClosed);
  // uv_close has taken the fd out of libuv's epoll set already (only the callback is deferred),
  // so the pidfd is closed now: the descriptor count is back as soon as the exit is reported.
  close(watch->pidfd);
}

// The pidfd is readable once the child has exited: reap it (only it) and report.
static void OnPidfdReadable(uv_poll_t* handle, int status, int /*events*/) {
  Watch* watch = static_cast<Watch*>(handle->data);
  int wstatus = 0;
  pid_t got;
  do got = waitpid(watch->pid, &wstatus, WNOHANG);
  while (got < 0 && errno == EINTR);
  if (got == 0 && status == 0) return;  // not yet (spurious wake-up)
  State* state = watch->state;
  uint32_t id = watch->id;
  pid_t pid = watch->pid;
  Unwatch(watch);
  int code = 0, sig = 0;
  if (got == pid && WIFSIGNALED(wstatus)) {
    code = -1;
    sig = WTERMSIG(wstatus);
  } else if (got == pid) {
    code = WEXITSTATUS(wstatus);
  }
  CallJs(state, 1, id, code, sig);
}

// Starts watching a spawned child's pidfd; false (the child was killed and reaped) if it cannot.
static bool Watchable(State* state, Job* job) {
  Watch* watch = new Watch();
  watch->state = state;
  watch->id = job->id;
  watch->pid = job->pid;
  watch->pidfd = job->pidfd;
  watch->poll.data = watch;
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(state->env, &loop);
  int err = loop == nullptr ? UV_EINVAL : uv_poll_init(loop, &watch->poll, job->pidfd);
  if (err == 0) err = uv_poll_start(&watch->poll, UV_READABLE, OnPidfdReadable);
  if (err == 0) {
    state->watches.insert(watch);
    return true;
  }
  kill(job->pid, SIGKILL);
  while (waitpid(job->pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  close(job->pidfd);
  delete watch;
  job->err = -err;
  job->pid = 0;
  return false;
}

// On the JS thread: report the spawns the threads finished.
static void OnSpawnsFinished(uv_async_t* handle) {
  State* state = static_cast<State*>(handle->data);
  std::vector<Job*> finished;
  {
    std::lock_guard<std::mutex> lock(state->mu);
    finished.swap(state->finished);
    for (Job* job : finished) state->jobs.erase(job->id);
  }
  for (Job* job : finished) {
    if (job->err == 0) Watchable(state, job);
    if (--state->outstanding == 0) uv_unref(reinterpret_cast<uv_handle_t*>(state->async));
  }
  for (Job* job : finished) {
    CallJs(state, 0, job->id, job->pid, job->err);
    delete job;
  }
}

static void KeepState(Napi::Env, State*) {}  // deleted by ClosedForTeardown

static State* GetState(Napi::Env env) { return env.GetInstanceData<State>(); }

static Napi::Value Throw(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, std::string("gevent_spawn: ") + message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// The env is going away (an async cleanup hook): stop the threads, close the handles.
static void Stop(napi_async_cleanup_hook_handle, void* data) {
  State* state = static_cast<State*>(data);
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->stopping = true;
  }
  state->work_cv.notify_all();
  for (std::thread& thread : state->threads) thread.join();
  for (Job* job : state->queue) delete job;
  for (Job* job : state->finished) {
    if (job->pidfd >= 0) close(job->pidfd);
    delete job;
  }
  state->queue.clear();
  state->finished.clear();
  napi_async_destroy(state->env, state->context);
  napi_delete_reference(state->env, state->on_event);
  state->closing = true;
  state->pending_closes = state->watches.size() + 1;
  for (Watch* watch : std::vector<Watch*>(state->watches.begin(), state->watches.end())) {
    Unwatch(watch);  // children still running are left to init
  }
  uv_close(reinterpret_cast<uv_handle_t*>(state->async), OnAsyncClosed);
}

static Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (GetState(env) != nullptr) return Throw(env, "init() was already called");
  if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsNumber()) {
    return Throw(env, "init(onEvent, threads)");
  }
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  if (loop == nullptr) return Throw(env, "no event loop");
  State* state = new State();
  state->env = env;
  int threads = info[1].As<Napi::Number>().Int32Value();
  state->max_threads = threads > 0 ? static_cast<size_t>(threads) : 1;
  napi_create_reference(env, info[0], 1, &state->on_event);
  napi_value name;
  napi_create_string_utf8(env, "gevent-ts spawn", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &state->context);
  state->async = new uv_async_t();
  uv_async_init(loop, state->async, OnSpawnsFinished);
  state->async->data = state;
  uv_unref(reinterpret_cast<uv_handle_t*>(state->async));
  env.SetInstanceData<State, KeepState>(state);
  napi_add_async_cleanup_hook(env, Stop, state, &state->cleanup);
  return env.Undefined();
}

static Napi::Value Supported(const Napi::CallbackInfo& info) {
  int fd = PidfdOpen(getpid());
  if (fd >= 0) close(fd);
  return Napi::Boolean::New(info.Env(), fd >= 0);
}

// What this build's posix_spawn can do beyond the basics: {chdir, setsid}.
static Napi::Value Features(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("chdir", Napi::Boolean::New(info.Env(), kCanChdir));
  out.Set("setsid", Napi::Boolean::New(info.Env(), kCanSetsid));
  return out;
}

static bool Strings(Napi::Value value, std::vector<std::string>* out) {
  if (!value.IsArray()) return false;
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) return false;
    out->push_back(item.As<Napi::String>().Utf8Value());
  }
  return true;
}

static void StartThreadIfNeeded(State* state) {
  // Called with state->mu held.
  if (state->idle >= state->queue.size() || state->threads.size() >= state->max_threads) return;
  state->threads.emplace_back(SpawnThread, state);
}

static Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* state = GetState(env);
  if (state == nullptr) return Throw(env, "init() must be called first");
  Job* job = new Job();
  bool ok = info.Length() >= 7 && info[0].IsNumber() && info[1].IsString() &&
            Strings(info[2], &job->argv) && !job->argv.empty() &&
            (info[3].IsNull() || Strings(info[3], &job->envp)) &&
            (info[4].IsNull() || info[4].IsString()) && info[5].IsArray() &&
            info[5].As<Napi::Array>().Length() == 3 && info[6].IsNumber();
  if (!ok) {
    delete job;
    return Throw(env, "spawn(id, file, argv, envp|null, cwd|null, [s0, s1, s2], flags)");
  }
  job->id = info[0].As<Napi::Number>().Uint32Value();
  job->file = info[1].As<Napi::String>().Utf8Value();
  job->has_env = !info[3].IsNull();
  job->has_cwd = info[4].IsString();
  if (job->has_cwd) job->cwd = info[4].As<Napi::String>().Utf8Value();
  job->flags = info[6].As<Napi::Number>().Int32Value();
  Napi::Array slots = info[5].As<Napi::Array>();
  int ours[3] = {-1, -1, -1};
  int err = 0;
  for (int slot = 0; slot < 3 && err == 0; ++slot) {
    err = MakeSlot(job, slot, slots.Get(slot).As<Napi::Number>().Int32Value(), &ours[slot]);
  }
  if (err != 0) {
    for (int fd : ours)
      if (fd >= 0) close(fd);
    delete job;
    Napi::Error error = Napi::Error::New(env, std::string("spawn: ") + strerror(err));
    error.Set("errno", Napi::Number::New(env, -err));
    error.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (state->outstanding++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(state->async));
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->jobs[job->id] = job;
    state->queue.push_back(job);
    StartThreadIfNeeded(state);
  }
  state->work_cv.notify_one();
  pid_t pid = AwaitPublished(job);  // the child exists (its exec goes on), or never will
  if (pid < 0) {
    for (int fd : ours)
      if (fd >= 0) close(fd);
    return Napi::Number::New(env, -1);  // RunJob reports why; the caller uses child_process
  }
  Napi::Array out = Napi::Array::New(env, 4);
  out.Set(0u, Napi::Number::New(env, pid));
  for (uint32_t i = 0; i < 3; ++i) out.Set(i + 1, Napi::Number::New(env, ours[i]));
  return out;
}

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("supported", Napi::Function::New(env, Supported, "supported"));
  exports.Set("features", Napi::Function::New(env, Features, "features"));
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("spawn", Napi::Function::New(env, Spawn, "spawn"));
  return exports;
}

}  // namespace gevent_spawn

static Napi::Object InitGeventSpawn(Napi::Env env, Napi::Object exports) {
  return gevent_spawn::InitModule(env, exports);
}

NODE_API_MODULE(gevent_spawn, InitGeventSpawn)
