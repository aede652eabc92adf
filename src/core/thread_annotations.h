// Clang's thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html).
// A member declared `T x_ GUARDED_BY(mu_);` may be touched only with mu_ held, and
// clang's -Wthread-safety checks it at compile time. The macros expand to nothing
// under other compilers (the release build is GCC); the fuzz build is clang and
// turns a violation into an error. Use them with ferry::Mutex (core/mutex.h).
#pragma once

#if defined(__clang__)
#define FERRY_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define FERRY_THREAD_ANNOTATION(x)
#endif

// On a class: its objects are capabilities (locks), e.g. ferry::Mutex.
#define CAPABILITY(name) FERRY_THREAD_ANNOTATION(capability(name))
// On a class: an RAII object that holds a capability for its lifetime.
#define SCOPED_CAPABILITY FERRY_THREAD_ANNOTATION(scoped_lockable)

// On a data member: reading or writing it requires holding `mu`.
#define GUARDED_BY(mu) FERRY_THREAD_ANNOTATION(guarded_by(mu))
// On a pointer member: what it points to requires holding `mu` (the pointer does not).
#define PT_GUARDED_BY(mu) FERRY_THREAD_ANNOTATION(pt_guarded_by(mu))

// On a function: the caller must hold (REQUIRES) or must not hold (EXCLUDES) the lock.
#define REQUIRES(...) FERRY_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) FERRY_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

// On a function: it takes (ACQUIRE) or gives back (RELEASE) the lock; without
// arguments, on a capability's own members, the lock is `this`.
#define ACQUIRE(...) FERRY_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) FERRY_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
// On a function: it holds the lock afterwards iff it returned `result`.
#define TRY_ACQUIRE(...) FERRY_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))

// On a function: it returns a reference to the lock named.
#define RETURN_CAPABILITY(x) FERRY_THREAD_ANNOTATION(lock_returned(x))

// On a function: the analysis skips its body. Only on a small function whose
// locking the analysis cannot follow, with a comment saying why.
#define NO_THREAD_SAFETY_ANALYSIS FERRY_THREAD_ANNOTATION(no_thread_safety_analysis)
