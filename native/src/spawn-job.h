// gevent-ts native spawner, the spawn itself: one Job (what to start, made on the JS thread)
// and the posix_spawn call that runs it (on a spawn thread). Layer: native. See spawn.cc.
#ifndef GEVENT_SPAWN_JOB_H_
#define GEVENT_SPAWN_JOB_H_

#include <spawn.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gevent_spawn {

constexpr int kPipe = -1;
constexpr int kDevNull = -2;
constexpr int kSetSid = 1;

#if defined(__linux__)
constexpr bool kCanChdir = true;  // our own clone: the child does chdir/setsid itself
constexpr bool kCanSetsid = true;
#else
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
#define GEVENT_SPAWN_CHDIR 1
constexpr bool kCanChdir = true;  // posix_spawn_file_actions_addchdir_np
#else
constexpr bool kCanChdir = false;
#endif
#ifdef POSIX_SPAWN_SETSID
constexpr bool kCanSetsid = true;
#else
constexpr bool kCanSetsid = false;
#endif
#endif

// One spawn: made on the JS thread, run on a spawn thread, reported back on the JS thread.
struct Job {
  uint32_t id = 0;
  std::string file, cwd;
  std::vector<std::string> argv, envp;
  bool has_env = false, has_cwd = false;
  int flags = 0;
  int child_fd[3] = {-1, -1, -1};  // what the child gets as fd 0-2 (-1: /dev/null); ours to close
  pid_t tid = 0;  // the child's pid once it exists (-1: it could not be made): AwaitPublished
  pid_t pid = 0;
  int pidfd = -1;
  int err = 0;
  bool done = false;
  ~Job();
};

// pidfd_open(2), or -1 with errno (ENOSYS before Linux 5.3).
int PidfdOpen(pid_t pid);

// Makes slot `slot` of `job` on the JS thread from `spec` (kPipe, kDevNull or a fd of ours);
// returns 0 or an errno. `*ours` gets our end of a pipe.
int MakeSlot(Job* job, int slot, int spec, int* ours);

// Runs on a spawn thread: starts the child (returns once it has exec'd), then its pidfd.
// Sets job->pid and job->pidfd, or job->err (pid 0). Closes the child's fds either way.
void RunJob(Job* job);

// On the JS thread: waits until the child of a queued job exists and returns its pid, or -1
// when it could not be made (RunJob reports why). Does not wait for the exec.
pid_t AwaitPublished(Job* job);

}  // namespace gevent_spawn

#endif  // GEVENT_SPAWN_JOB_H_
