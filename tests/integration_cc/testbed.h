// Access to the real servers of the test bed (tests/testbed/testbed.py) and to
// the boto3 oracle that checks ferry's results independently.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "auth/credentials.h"

namespace ferry::testing {

struct TestServer {
  std::string name;  // seaweed_a | seaweed_b | moto
  std::string endpoint;
  std::string region;
  std::string access_key;
  std::string secret_key;
};

// An endpoint nothing listens on: what a test gets when the test bed is missing,
// so that a request fails at once on loopback and never reaches real Amazon S3
// (an empty endpoint would mean "Amazon S3 in the region").
inline constexpr char kNoServer[] = "http://127.0.0.1:1";

inline std::string TestbedPath() {
  const char* path = std::getenv("FERRY_TESTBED");
  if (path == nullptr || *path == '\0') {
    ADD_FAILURE() << "FERRY_TESTBED is not set: run through scripts/test.sh, which starts the "
                     "test bed and points FERRY_TESTBED at its endpoints.json";
    return {};
  }
  return path;
}

// The test-bed server `name`. A missing file, an unreadable one or a missing server
// fails the test (and the server returned points at kNoServer).
inline TestServer LoadServer(const std::string& name) {
  const TestServer none{name, kNoServer, "us-east-1", "no-test-bed", "no-test-bed"};
  const std::string path = TestbedPath();
  if (path.empty()) return none;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "the test bed file " << path << " (FERRY_TESTBED) cannot be read: start "
                  << "the test bed with tests/testbed/testbed.py start --dir DIR";
    return none;
  }
  nlohmann::json all = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!all.is_object() || !all.contains(name) || !all[name].is_object() ||
      all[name].value("endpoint", "").empty()) {
    ADD_FAILURE() << "the test bed file " << path << " names no server '" << name << "'";
    return none;
  }
  const auto& s = all[name];
  return {name, s.value("endpoint", ""), s.value("region", "us-east-1"),
          s.value("access_key", ""), s.value("secret_key", "")};
}

// Fixed keys for a test server; the credential chain has its own tests.
class FixedKeys final : public auth::CredentialProvider {
 public:
  FixedKeys(std::string id, std::string secret) {
    creds_.access_key_id = std::move(id);
    creds_.secret_access_key = std::move(secret);
  }
  Result<auth::Credentials> Get(std::stop_token) override { return creds_; }
  std::string Describe() const override { return "test keys"; }

 private:
  auth::Credentials creds_;
};

// The bytes of a test object of `size`: the same pattern boto_oracle.py writes.
inline std::string PatternBytes(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 31 + 7) % 251);
  return out;
}

inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs the boto3 oracle; `stdin_text` is piped to it. Returns its JSON answer.
inline nlohmann::json Oracle(const std::string& server, const std::vector<std::string>& args,
                             const std::string& stdin_text = "") {
  std::string cmd = "python3 " FERRY_SOURCE_DIR "/tests/integration_cc/boto_oracle.py " +
                    ShellQuote(TestbedPath()) + " " + server;
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  std::string input_file;
  if (!stdin_text.empty()) {
    char tmpl[] = "/tmp/ferry-oracle-XXXXXX";
    int fd = mkstemp(tmpl);
    input_file = tmpl;
    FILE* f = fdopen(fd, "w");
    std::fwrite(stdin_text.data(), 1, stdin_text.size(), f);
    std::fclose(f);
    cmd += " < " + input_file;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe.get())) > 0) out.append(buf, n);
  pipe.reset();
  if (!input_file.empty()) std::remove(input_file.c_str());
  auto json = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) ADD_FAILURE() << "oracle gave no JSON for: " << cmd << "\n" << out;
  return json;
}

}  // namespace ferry::testing
