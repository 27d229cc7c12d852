// gevent-ts native spawner, the spawn itself (see spawn-job.h). Layer: native.
#include "spawn-job.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#else
#include <condition_variable>
#include <mutex>
#endif

extern char** environ;

namespace gevent_spawn {

#if !defined(__linux__)
static std::mutex published_mu;
static std::condition_variable published_cv;
#endif

Job::~Job() {
  for (int fd : child_fd)
    if (fd >= 0) close(fd);
}

int PidfdOpen(pid_t pid) {
#if defined(__linux__)
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

static std::vector<char*> Pointers(std::vector<std::string>& items) {
  std::vector<char*> out;
  for (std::string& item : items) out.push_back(&item[0]);
  out.push_back(nullptr);
  return out;
}

#if !defined(__linux__)
static int PrepareAttr(posix_spawnattr_t* attr, int flags) {
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  // Node ignores SIGPIPE and blocks signals on some threads: the child starts clean, as libuv's do.
  short spawn_flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if ((flags & kSetSid) != 0) {
#ifdef POSIX_SPAWN_SETSID
    spawn_flags |= POSIX_SPAWN_SETSID;
#else
    return ENOSYS;
#endif
  }
  int err = posix_spawnattr_setflags(attr, spawn_flags);
  if (err == 0) err = posix_spawnattr_setsigmask(attr, &none);
  if (err == 0) err = posix_spawnattr_setsigdefault(attr, &all);
  return err;
}

static int PrepareActions(posix_spawn_file_actions_t* actions, Job* job) {
  int err = 0;
  for (int slot = 0; slot < 3 && err == 0; ++slot) {
    int fd = job->child_fd[slot];  // >= 3 and close-on-exec: dup2 gives the child a clean copy
    err = fd >= 0 ? posix_spawn_file_actions_adddup2(actions, fd, slot)
                  : posix_spawn_file_actions_addopen(actions, slot, "/dev/null",
                                                     slot == 0 ? O_RDONLY : O_RDWR, 0);
  }
  if (err == 0 && job->has_cwd) {
#ifdef GEVENT_SPAWN_CHDIR
    err = posix_spawn_file_actions_addchdir_np(actions, job->cwd.c_str());
#else
    err = ENOSYS;
#endif
  }
  return err;
}

#endif

// Makes the child's pid (-1: none) known to the JS thread waiting in AwaitPublished.
static void Published(Job* job, pid_t pid) {
  __atomic_store_n(&job->tid, pid, __ATOMIC_RELEASE);
#if defined(__linux__)
  syscall(SYS_futex, &job->tid, FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
#else
  std::lock_guard<std::mutex> lock(published_mu);
  published_cv.notify_all();
#endif
}

#if defined(__linux__)
// Linux: clone(CLONE_VM | CLONE_VFORK) as glibc's posix_spawn does. The child's pid is published
// to the JS thread waiting in spawn() as soon as the child exists (CLONE_PARENT_SETTID: by the
// kernel, before the child first runs) or, for a new session, once it leads it; so Popen()
// returns with a child that exists and can be signalled while its set-up and exec go on (this
// spawn thread stays suspended until the exec, as vfork's parent does).
constexpr size_t kChildStack = 128 * 1024;

struct ChildArgs {
  Job* job;
  char** argv;
  char** envp;
  char** shell_argv;
};

// The child, in our memory until its exec, on its own stack. Only syscall wrappers; errno is
// the suspended spawn thread's. Signals stay blocked (the spawn thread blocks all) until every
// handler is back to its default, so no handler of ours runs here.
static int ChildMain(void* raw) {
  ChildArgs* args = static_cast<ChildArgs*>(raw);
  Job* job = args->job;
  int err = 0;
  if ((job->flags & kSetSid) != 0) {
    if (setsid() < 0) err = errno;
    Published(job, static_cast<pid_t>(syscall(SYS_getpid)));  // now it leads its group
  } else {
    Published(job, job->tid);  // the kernel wrote it (CLONE_PARENT_SETTID): wake the waiter
  }
  // Popen() may return now. Signals sent from here on stay pending (all are blocked) until
  // the handlers below are back to their defaults.
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);  // Node ignores SIGPIPE
  }
  for (int slot = 0; slot < 3 && err == 0; ++slot) {
    int fd = job->child_fd[slot];  // >= 3, close-on-exec: dup2 gives the child a clean copy
    if (fd < 0 && (fd = open("/dev/null", slot == 0 ? O_RDONLY : O_RDWR)) < 0) err = errno;
    if (err == 0 && fd != slot && dup2(fd, slot) < 0) err = errno;
    if (job->child_fd[slot] < 0 && fd > 2) close(fd);
  }
  if (err == 0 && job->has_cwd && chdir(job->cwd.c_str()) < 0) err = errno;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (err == 0) {
    execve(job->file.c_str(), args->argv, args->envp);
    err = errno;
    if (err == ENOEXEC) {  // a script without "#!": run by the shell, as execvp does
      execve("/bin/sh", args->shell_argv, args->envp);
      err = errno;
    }
  }
  job->err = err;  // our memory is the spawn thread's: it reads this once we are gone
  _exit(127);
}

static int SpawnChild(Job* job) {
  std::vector<char*> argv = Pointers(job->argv);
  std::vector<char*> vars = Pointers(job->envp);
  std::vector<char*> shell = {const_cast<char*>("/bin/sh"), &job->file[0]};
  shell.insert(shell.end(), argv.begin() + 1, argv.end());  // the rest and the null
  ChildArgs args = {job, argv.data(), job->has_env ? vars.data() : environ, shell.data()};
  void* stack = mmap(nullptr, kChildStack, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    int err = errno;
    Published(job, -1);
    return err;
  }
  job->err = 0;
  // Without a new session to wait for, the kernel publishes the pid itself, during the clone.
  bool early = (job->flags & kSetSid) == 0;
  int flags = CLONE_VM | CLONE_VFORK | SIGCHLD | (early ? CLONE_PARENT_SETTID : 0);
  pid_t pid = clone(ChildMain, static_cast<char*>(stack) + kChildStack, flags, &args, &job->tid);
  int err = pid < 0 ? errno : job->err;  // returns once the child exec'd or exited
  munmap(stack, kChildStack);
  Published(job, pid < 0 ? -1 : pid);
  if (pid > 0 && err != 0) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {  // it exited: reap it
    }
  }
  job->pid = pid;
  return err;
}
#else
// Elsewhere (compiles; native/spawn.ts uses the addon on Linux only): plain posix_spawn.
static int SpawnChild(Job* job) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  int err = PrepareAttr(&attr, job->flags);
  if (err == 0) err = PrepareActions(&actions, job);
  if (err == 0) {
    std::vector<char*> args = Pointers(job->argv);
    std::vector<char*> vars = Pointers(job->envp);
    char** envp = job->has_env ? vars.data() : environ;
    err = posix_spawn(&job->pid, job->file.c_str(), &actions, &attr, args.data(), envp);
    if (err == ENOEXEC) {
      // A script without "#!": run it with the shell, as execvp (and so child_process) does.
      std::vector<char*> shell = {const_cast<char*>("/bin/sh"), &job->file[0]};
      shell.insert(shell.end(), args.begin() + 1, args.end());  // the rest and the null
      err = posix_spawn(&job->pid, "/bin/sh", &actions, &attr, shell.data(), envp);
    }
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  Published(job, err == 0 ? job->pid : -1);
  return err;
}

#endif

// Runs on a spawn thread: starts the child, then opens its pidfd.
void RunJob(Job* job) {
  int err = SpawnChild(job);
  for (int& fd : job->child_fd)
    if (fd >= 0) close(fd), fd = -1;
  if (err == 0 && (job->pidfd = PidfdOpen(job->pid)) < 0) {
    err = errno;  // cannot watch it (out of fds): take the child back at once
    kill(job->pid, SIGKILL);
    while (waitpid(job->pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (err != 0) job->pid = 0;
  job->err = err;
}

pid_t AwaitPublished(Job* job) {
  pid_t tid;
  while ((tid = __atomic_load_n(&job->tid, __ATOMIC_ACQUIRE)) == 0) {
#if defined(__linux__)
    syscall(SYS_futex, &job->tid, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
#else
    std::unique_lock<std::mutex> lock(published_mu);
    published_cv.wait(lock, [job] { return __atomic_load_n(&job->tid, __ATOMIC_ACQUIRE) != 0; });
#endif
  }
  return tid;
}

int MakeSlot(Job* job, int slot, int spec, int* ours) {
  if (spec == kDevNull) return 0;
  if (spec == kPipe) {
    int pair[2];
#ifdef SOCK_CLOEXEC
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return errno;
#else  // macOS: compiles, unused (native/spawn.ts uses this addon on Linux only)
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) return errno;
    fcntl(pair[0], F_SETFD, FD_CLOEXEC);
    fcntl(pair[1], F_SETFD, FD_CLOEXEC);
#endif
    *ours = pair[0];
    job->child_fd[slot] = pair[1];
    return 0;
  }
  // This process's fd. As libuv does for a child's 0-2, the child gets it blocking.
  int flags = fcntl(spec, F_GETFL);
  if (flags < 0) return errno;
  if ((flags & O_NONBLOCK) != 0) fcntl(spec, F_SETFL, flags & ~O_NONBLOCK);
  int copy = fcntl(spec, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) return errno;
  job->child_fd[slot] = copy;
  return 0;
}

}  // namespace gevent_spawn
