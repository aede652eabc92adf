// Where S3-compatible services live: each preset fills the endpoint and the
// addressing from the region a person picks.

export interface Preset {
  id: string;
  label: string;
  regions: string[];           // [] = the person types the endpoint
  endpoint: (region: string, account?: string) => string;
  pathStyle: boolean;
  virtualHosted: boolean;
  regionFor?: (region: string) => string;
  needsAccount?: boolean;
  note?: string;
}

export const PRESETS: Preset[] = [
  {
    id: "aws",
    label: "Amazon S3",
    regions: [
      "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
      "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1",
      "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-south-1",
      "ap-east-1", "me-south-1", "af-south-1", "cn-north-1", "cn-northwest-1",
    ],
    endpoint: (r) =>
      r.startsWith("cn-") ? `https://s3.${r}.amazonaws.com.cn` : `https://s3.${r}.amazonaws.com`,
    pathStyle: false,
    virtualHosted: true,
  },
  {
    id: "oss",
    label: "Alibaba Cloud OSS",
    regions: [
      "cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou",
      "cn-chengdu", "cn-hongkong", "ap-southeast-1", "ap-northeast-1", "us-west-1", "us-east-1",
      "eu-central-1", "eu-west-1",
    ],
    endpoint: (r) => `https://oss-${r}.aliyuncs.com`,
    pathStyle: false,
    virtualHosted: true,
    note: "OSS serves buckets as virtual hosts only.",
  },
  {
    id: "cos",
    label: "Tencent Cloud COS",
    regions: [
      "ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-chengdu", "ap-chongqing", "ap-nanjing",
      "ap-hongkong", "ap-singapore", "ap-tokyo", "na-siliconvalley", "na-ashburn", "eu-frankfurt",
    ],
    endpoint: (r) => `https://cos.${r}.myqcloud.com`,
    pathStyle: false,
    virtualHosted: true,
    note: "COS bucket names end in -APPID (e.g. photos-1250000000).",
  },
  {
    id: "obs",
    label: "Huawei Cloud OBS",
    regions: ["cn-north-4", "cn-north-1", "cn-east-3", "cn-east-2", "cn-south-1", "ap-southeast-1", "ap-southeast-3", "af-south-1"],
    endpoint: (r) => `https://obs.${r}.myhuaweicloud.com`,
    pathStyle: false,
    virtualHosted: true,
  },
  {
    id: "kodo",
    label: "Qiniu Kodo",
    regions: ["cn-east-1", "cn-east-2", "cn-north-1", "cn-south-1", "us-north-1", "ap-southeast-1", "ap-northeast-1"],
    endpoint: (r) => `https://s3.${r}.qiniucs.com`,
    pathStyle: false,
    virtualHosted: true,
  },
  {
    id: "bos",
    label: "Baidu AI Cloud BOS",
    regions: ["bj", "gz", "su", "fwh", "bd", "hkg", "yq", "cd"],
    endpoint: (r) => `https://s3.${r}.bcebos.com`,
    pathStyle: false,
    virtualHosted: true,
  },
  {
    id: "r2",
    label: "Cloudflare R2",
    regions: ["auto"],
    endpoint: (_r, account) => `https://${account || "ACCOUNT_ID"}.r2.cloudflarestorage.com`,
    pathStyle: true,
    virtualHosted: false,
    needsAccount: true,
  },
  {
    id: "gcs",
    label: "Google Cloud Storage (S3 interface)",
    regions: ["auto", "us", "eu", "asia"],
    endpoint: () => "https://storage.googleapis.com",
    pathStyle: true,
    virtualHosted: false,
    note: "Use an HMAC key of a service account as the credential.",
  },
  {
    id: "custom",
    label: "MinIO, Ceph or any S3 URL",
    regions: [],
    endpoint: () => "",
    pathStyle: true,
    virtualHosted: false,
  },
];

// The preset an existing endpoint came from (custom when none matches).
export function guessPreset(endpoint: string): { preset: Preset; region: string; account: string } {
  for (const p of PRESETS) {
    if (p.id === "custom") continue;
    for (const r of p.regions) {
      if (p.needsAccount) {
        const m = endpoint.match(/^https:\/\/([^.]+)\.r2\.cloudflarestorage\.com$/);
        if (m) return { preset: p, region: r, account: m[1] };
      } else if (p.endpoint(r) === endpoint) {
        return { preset: p, region: r, account: "" };
      }
    }
  }
  if (endpoint === "") return { preset: PRESETS[0], region: "us-east-1", account: "" };
  return { preset: PRESETS[PRESETS.length - 1], region: "", account: "" };
}
