// Base64 (RFC 4648, standard alphabet, padded): registry logins and ECR tokens.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ferry {

std::string Base64Encode(std::string_view data);
// Decodes padded or unpadded input; nullopt when a character is outside the alphabet.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace ferry
