#include "state/sqlite_statement.h"

#include <sqlite3.h>

#include <filesystem>

namespace ferry::state {

Result<sqlite3*> OpenStateDatabase(const std::string& dir, const std::string& file,
                                   const char* schema) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::InvalidArgument("cannot create the state folder '" + dir + "': " + ec.message(),
                                   "--state names a writable folder");
  }
  const std::string path = dir + "/" + file;
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::InvalidArgument("cannot open the state file '" + path + "': " + why,
                                   "--state names a writable folder");
  }
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  if (sqlite3_exec(db, schema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close(db);
    return Status::Internal("cannot prepare the state file '" + path + "': " + why);
  }
  return db;
}

Statement::Statement(sqlite3* db, const char* sql) {
  sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int i, const std::string& bytes) {
  sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindText(int i, const std::string& text) {
  sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::Bind(int i, int64_t value) {
  sqlite3_bind_int64(stmt_, i, value);
  return *this;
}

Statement& Statement::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

int Statement::Step() { return stmt_ == nullptr ? SQLITE_MISUSE : sqlite3_step(stmt_); }

std::string Statement::Text(int col) {
  const void* data = sqlite3_column_blob(stmt_, col);
  return data == nullptr ? std::string()
                         : std::string(static_cast<const char*>(data),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

int64_t Statement::Int(int col) { return sqlite3_column_int64(stmt_, col); }

double Statement::Real(int col) { return sqlite3_column_double(stmt_, col); }

bool Statement::IsNull(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

}  // namespace ferry::state
