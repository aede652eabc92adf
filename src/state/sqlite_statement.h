// A prepared SQLite statement, finalized on scope exit (RAII, non-copyable).
#pragma once

#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace ferry::state {

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
