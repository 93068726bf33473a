#!/bin/sh
# Packer post-processor for the AMI: marks it "IMDSv2 only" (imds-support v2.0), so every
# instance launched from it requires metadata tokens, whatever the launch settings say.
# Packer 1.6.6 (Debian 12) has no template key for this; newer Packer's is imds_support.
# The hop limit is a launch setting: docs/deploy-aws.md launches with 1.
set -eu
: "${MANIFEST:?}"
# artifact_id is "REGION:AMI-ID" (one region per build here); the last build is ours.
artifact=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["builds"][-1]["artifact_id"])' "$MANIFEST")
region=${artifact%%:*}
ami=${artifact#*:}
echo "ami-imdsv2: $ami in $region: imds-support v2.0"
aws ec2 modify-image-attribute --region "$region" --image-id "$ami" --imds-support v2.0
