// A store whose operations block on I/O (a folder's files): its asynchronous
// forms run the blocking ones on the store's own I/O threads, so that a disk
// never stalls the HTTP loop that drives every transfer.
#pragma once

#include "core/task.h"
#include "core/thread_pool.h"
#include "store/object_store.h"

namespace ferry::store {

class BlockingIoStore : public ObjectStore {
 public:
  Task<Result<ObjectMeta>> HeadAsync(const std::string& key, std::stop_token stop) override {
    co_await Schedule(io_);
    co_return Head(key, stop);
  }
  Task<Result<ObjectMeta>> ReadAsync(const std::string& key, uint64_t offset, uint64_t length,
                                     ByteSink sink, std::stop_token stop) override {
    co_await Schedule(io_);
    co_return Read(key, offset, length, sink, stop);
  }
  Task<Result<std::string>> PutAsync(const std::string& key, std::string_view data,
                                     const ObjectMeta& meta, const WriteSettings& settings,
                                     const std::string& content_md5,
                                     std::stop_token stop) override {
    co_await Schedule(io_);
    co_return Put(key, data, meta, settings, content_md5, stop);
  }
  Task<Result<std::string>> BeginMultipartAsync(const std::string& key, const ObjectMeta& meta,
                                                const WriteSettings& settings,
                                                std::stop_token stop) override {
    co_await Schedule(io_);
    co_return BeginMultipart(key, meta, settings, stop);
  }
  Task<Result<std::string>> PutPartAsync(const std::string& key, const std::string& upload_id,
                                         int part_number, uint64_t offset, std::string_view data,
                                         const std::string& content_md5,
                                         std::stop_token stop) override {
    co_await Schedule(io_);
    co_return PutPart(key, upload_id, part_number, offset, data, content_md5, stop);
  }
  Task<Result<std::string>> CompleteMultipartAsync(const std::string& key,
                                                   const std::string& upload_id,
                                                   const std::vector<PartEtag>& parts,
                                                   std::stop_token stop) override {
    co_await Schedule(io_);
    co_return CompleteMultipart(key, upload_id, parts, stop);
  }
  Task<Status> AbortMultipartAsync(const std::string& key, const std::string& upload_id,
                                   std::stop_token stop) override {
    co_await Schedule(io_);
    co_return AbortMultipart(key, upload_id, stop);
  }

 protected:
  explicit BlockingIoStore(int io_threads = 4) : io_(io_threads) {}
  ThreadPool& io() { return io_; }

 private:
  ThreadPool io_;
};

}  // namespace ferry::store
