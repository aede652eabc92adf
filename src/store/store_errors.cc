#include "store/store_errors.h"

namespace ferry::store {
namespace {

bool IsMissingBucket(const Status& st) { return st.service_code() == "NoSuchBucket"; }

}  // namespace

bool EndsTheRun(const Status& st) {
  return st.code() == Code::kUnauthenticated || IsMissingBucket(st);
}

bool IsMissingObject(const Status& st) {
  return st.code() == Code::kNotFound && !IsMissingBucket(st);
}

bool IsMissingUpload(const Status& st) {
  return st.code() == Code::kNotFound && st.service_code() == "NoSuchUpload";
}

}  // namespace ferry::store
