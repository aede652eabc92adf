"""Builds small multi-arch images from scratch as an OCI image layout (blobs,
one manifest per platform, an index), for skopeo to push to a registry."""
import gzip
import hashlib
import io
import json
import os
import tarfile


def _tar_gz(files):
    """A gzip'd tar of {name: bytes}, byte-for-byte reproducible."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue(), gzip.compress(raw.getvalue(), mtime=0)


class OciLayout:
    def __init__(self, path):
        self.path = path
        self.refs = []  # index.json entries
        os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(path, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)

    def blob(self, data, media_type):
        """Stores `data`; returns its descriptor."""
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.path, "blobs", "sha256", digest), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}

    def image(self, arch, files):
        """One platform: a layer with `files`, a config, a manifest. Returns its descriptor."""
        raw, gz = _tar_gz(files)
        layer = self.blob(gz, "application/vnd.oci.image.layer.v1.tar+gzip")
        config = self.blob(json.dumps({
            "architecture": arch, "os": "linux", "config": {},
            "rootfs": {"type": "layers",
                       "diff_ids": [f"sha256:{hashlib.sha256(raw).hexdigest()}"]}},
            sort_keys=True).encode(), "application/vnd.oci.image.config.v1+json")
        manifest = self.blob(json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config, "layers": [layer]}, indent=2).encode(),
            "application/vnd.oci.image.manifest.v1+json")
        return dict(manifest, platform={"architecture": arch, "os": "linux"})

    def index(self, platforms):
        return self.blob(json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": platforms}, indent=2).encode(), "application/vnd.oci.image.index.v1+json")

    def tag(self, descriptor, name):
        entry = {k: v for k, v in descriptor.items() if k != "platform"}
        entry["annotations"] = {"org.opencontainers.image.ref.name": name}
        self.refs.append(entry)
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": self.refs}, f)


def build_multiarch(path, seed, big_layer=0):
    """Tags "v1" (an index of amd64 + arm64) and "v2" (arm64 alone) in a layout at
    `path`. `big_layer` bytes of incompressible data go into the amd64 layer, to
    make a blob that needs chunked uploads. Returns {tag: manifest descriptor}."""
    layout = OciLayout(path)
    big = hashlib.shake_256(f"big-{seed}".encode()).digest(big_layer) if big_layer else b""
    amd64 = layout.image("amd64", {"hello.txt": f"amd64 {seed}\n".encode(), "big.bin": big})
    arm64 = layout.image("arm64", {"hello.txt": f"arm64 {seed}\n".encode()})
    v1 = layout.index([amd64, arm64])
    layout.tag(v1, "v1")
    layout.tag(arm64, "v2")
    return {"v1": v1, "v2": arm64}
