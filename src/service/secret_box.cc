#include "service/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ferry::service {

Status InitCrypto() {
  if (sodium_init() < 0) return Status::Internal("libsodium could not be initialised");
  return Status::OK();
}

Result<SecretBox> SecretBox::OpenKeyFile(const std::string& path) {
  FERRY_RETURN_IF_ERROR(InitCrypto());
  SecretBox box;
  box.key_.resize(crypto_secretbox_KEYBYTES);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    randombytes_buf(box.key_.data(), box.key_.size());
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Status::InvalidArgument("cannot create the key file '" + path +
                                         "': " + std::strerror(errno),
                                     "--data names a writable folder");
    }
    const bool written =
        ::write(fd, box.key_.data(), box.key_.size()) == static_cast<ssize_t>(box.key_.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written) return Status::Internal("cannot write the key file '" + path + "'");
    return box;
  }
  if (fd < 0) {
    return Status::InvalidArgument("cannot read the key file '" + path +
                                   "': " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
    ::close(fd);
    return Status::PermissionDenied("the key file '" + path + "' can be read by others",
                                    "chmod 600 " + path);
  }
  const ssize_t n = ::read(fd, box.key_.data(), box.key_.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(box.key_.size())) {
    return Status::DataLoss("the key file '" + path + "' is not a " +
                                std::to_string(crypto_secretbox_KEYBYTES) + "-byte key",
                            "restore it from a backup: stored credentials need it");
  }
  return box;
}

SecretBox::~SecretBox() {
  if (!key_.empty()) sodium_memzero(key_.data(), key_.size());
}

SecretBox::SecretBox(SecretBox&& other) noexcept : key_(std::move(other.key_)) {
  other.key_.clear();
}

SecretBox::Sealed SecretBox::Seal(std::string_view plaintext) const {
  Sealed out;
  out.nonce.resize(crypto_secretbox_NONCEBYTES);
  randombytes_buf(out.nonce.data(), out.nonce.size());
  out.ciphertext.resize(plaintext.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(out.ciphertext.data()),
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(),
                        reinterpret_cast<const unsigned char*>(out.nonce.data()),
                        reinterpret_cast<const unsigned char*>(key_.data()));
  return out;
}

Result<std::string> SecretBox::Open(const Sealed& sealed) const {
  if (sealed.nonce.size() != crypto_secretbox_NONCEBYTES ||
      sealed.ciphertext.size() < crypto_secretbox_MACBYTES) {
    return Status::DataLoss("a stored credential is truncated");
  }
  std::string plain(sealed.ciphertext.size() - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 reinterpret_cast<const unsigned char*>(sealed.ciphertext.data()),
                                 sealed.ciphertext.size(),
                                 reinterpret_cast<const unsigned char*>(sealed.nonce.data()),
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return Status::DataLoss("a stored credential does not decrypt under DATA/secret.key",
                            "the key file belongs with this database");
  }
  return plain;
}

}  // namespace ferry::service
