// Logins stored by `docker login` / `skopeo login` in Docker's config.json.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "images/login.h"

namespace ferry::images {

// $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
std::string DockerConfigPath();

// The login for `registry` ("host[:port]") from `auths.<registry>.auth` (base64
// "user:password") of the file at `path`, also under the keys "https://host" and,
// for Docker Hub, "https://index.docker.io/v1/". A missing file or entry means
// anonymous access; a malformed file or entry is InvalidArgument naming the file
// and the entry, never its content.
Result<std::unique_ptr<LoginSource>> LoadDockerLogin(const std::string& path,
                                                     const std::string& registry);

}  // namespace ferry::images
