// The server's one SQLite file (WAL): tasks, runs, run logs, users, tokens and
// stored credentials. One connection, shared by every thread under one mutex:
// the server's writes are small and few, and SQLite serialises writers anyway.
#pragma once

#include <memory>
#include <string>

#include "core/mutex.h"
#include "core/status.h"

struct sqlite3;

namespace ferry::service {

class Database {
 public:
  // Opens (creating) `path` and brings its schema up to date.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Every use of the connection happens while holding this lock:
  // `MutexLock lock(db.mu());`
  Mutex& mu() RETURN_CAPABILITY(mu_) { return mu_; }
  sqlite3* handle() REQUIRES(mu_) { return db_; }
  // "what in the server database 'path': sqlite's message".
  Status Error(const std::string& what) const REQUIRES(mu_);
  // Runs SQL without results.
  Status Exec(const char* sql) REQUIRES(mu_);

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  Mutex mu_;
  sqlite3* db_;
  std::string path_;
};

// Seconds and milliseconds since the epoch.
int64_t NowSeconds();
int64_t NowMillis();

}  // namespace ferry::service
