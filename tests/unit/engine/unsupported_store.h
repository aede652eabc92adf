// An ObjectStore whose every operation is NotSupported, for engine unit tests:
// a fake overrides only what the code under test calls.
#pragma once

#include <string>
#include <vector>

#include "store/object_store.h"

namespace ferry::testing {

class UnsupportedStore : public store::ObjectStore {
 public:
  std::string Describe() const override { return "fake"; }
  Status Probe(std::stop_token) override { return Status::OK(); }
  Status List(const store::ListRange&, const store::PageSink&, std::stop_token) override {
    return Status::NotSupported("List");
  }
  Result<store::Level> ListLevel(const std::string&, size_t, std::stop_token) override {
    return Status::NotSupported("ListLevel");
  }
  Result<store::ObjectMeta> Head(const std::string&, std::stop_token) override {
    return Status::NotSupported("Head");
  }
  Result<store::ObjectMeta> Read(const std::string&, uint64_t, uint64_t, const store::ByteSink&,
                                 std::stop_token) override {
    return Status::NotSupported("Read");
  }
  Result<std::string> Put(const std::string&, std::string_view, const store::ObjectMeta&,
                          const store::WriteSettings&, const std::string&,
                          std::stop_token) override {
    return Status::NotSupported("Put");
  }
  Result<std::string> BeginMultipart(const std::string&, const store::ObjectMeta&,
                                     const store::WriteSettings&, std::stop_token) override {
    return Status::NotSupported("multipart");
  }
  Result<std::string> PutPart(const std::string&, const std::string&, int, uint64_t,
                              std::string_view, const std::string&, std::stop_token) override {
    return Status::NotSupported("multipart");
  }
  Result<std::string> CompleteMultipart(const std::string&, const std::string&,
                                        const std::vector<store::PartEtag>&,
                                        std::stop_token) override {
    return Status::NotSupported("multipart");
  }
  Status AbortMultipart(const std::string&, const std::string&, std::stop_token) override {
    return Status::NotSupported("multipart");
  }
  Result<std::vector<store::PartEtag>> ListUploadedParts(const std::string&, const std::string&,
                                                         std::stop_token) override {
    return Status::NotSupported("multipart");
  }
  Status Delete(const std::vector<std::string>&, std::stop_token) override {
    return Status::NotSupported("Delete");
  }
};

}  // namespace ferry::testing
