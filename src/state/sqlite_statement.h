// A prepared SQLite statement, finalized on scope exit (RAII, non-copyable).
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ferry::state {

// Opens (creating) `dir`/`file` and runs `schema` on it: the state files of
// runs, fleets and watches. Errors name the folder or file and point at --state.
Result<sqlite3*> OpenStateDatabase(const std::string& dir, const std::string& file,
                                   const char* schema);

class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // False when the SQL did not compile; Step() then fails too.
  bool ok() const { return stmt_ != nullptr; }
  // Binds bytes as a BLOB: object keys are bytes and compare with memcmp.
  Statement& Bind(int i, const std::string& bytes);
  Statement& BindText(int i, const std::string& text);
  Statement& Bind(int i, int64_t value);
  Statement& BindNull(int i);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  std::string Text(int col);
  int64_t Int(int col);
  double Real(int col);
  bool IsNull(int col);

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace ferry::state
