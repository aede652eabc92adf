// Access keys stored as a JSON secret, in a file or in AWS Secrets Manager:
//   {"access_key_id": "<Your Access Key ID>", "secret_access_key": "<Your Access Key Secret>"}
// (AccessKeyId/SecretAccessKey are accepted too). The secret is cached and
// read again when the service rejects the key, so a rotation needs no restart.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auth/credentials.h"
#include "core/mutex.h"
#include "net/http_client.h"

namespace ferry::auth {

// Parses the JSON secret. `where` names it in errors; the content never appears.
Result<Credentials> ParseSecretJson(const std::string& json, const std::string& where);
// The SecretString of a Secrets Manager GetSecretValue answer (HTTP `status`,
// JSON `body`), or the error it reports; `what` names the secret in messages.
Result<std::string> ParseGetSecretValue(long status, const std::string& body,
                                        const std::string& what);

class SecretProvider final : public CredentialProvider {
 public:
  // `source` is a file path, or a Secrets Manager ARN or name ("arn:..." or
  // "secretsmanager:NAME"). Secrets Manager is called with `base` credentials at
  // `endpoint` (empty: AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL, or AWS).
  SecretProvider(std::string source, std::shared_ptr<CredentialProvider> base,
                 std::shared_ptr<net::HttpClient> http, std::string region = {},
                 std::string endpoint = {});

  Result<Credentials> Get(std::stop_token stop) override;
  std::optional<Credentials> Cached() override;
  bool Invalidate() override;
  std::string Describe() const override;

  static bool IsSecretsManagerId(const std::string& source);

 private:
  Result<std::string> ReadSecretText(std::stop_token stop);

  const std::string source_;
  std::shared_ptr<CredentialProvider> base_;
  std::shared_ptr<net::HttpClient> http_;
  std::string region_;
  std::string endpoint_;
  Mutex mu_;
  std::optional<Credentials> cached_ GUARDED_BY(mu_);
};

}  // namespace ferry::auth
