"""LocalStack init hook (ready.d) for `npm run bench`: fills S3 buckets with many objects quickly.

LocalStack runs `.py` init hooks inside its own process, so this writes the objects straight into
its S3 store: about a second per 100,000 objects, where as many PutObject calls take minutes on a
2-core machine. Each object is an entry of the bucket's key store as PutObject leaves it (key, size,
ETag, storage class, last-modified), without its bytes: only listings read these buckets, and they
go through LocalStack's real S3 API.

BENCH_POPULATE is a JSON list of {"bucket", "layout", "objects"}; object i has 1 + i % 50 bytes.
layout "uniform": user-uploads/<uuid>/<uuid>.jpg, as the upload function writes them.
layout "skewed": nine in ten under one user (user-uploads/<one sub>/<uuid>.jpg), the rest in keys
that do not follow the layout at all (other prefixes, upper case, spaces).
"""

import json
import os
import time
import uuid

from localstack.aws.connect import connect_to
from localstack.services.s3.models import S3Object, s3_stores

ACCOUNT = "000000000000"
REGION = "us-east-1"
OFF_LAYOUT = [
    "user-uploads/legacy/IMG_{i:06d}.JPG",
    "user-uploads/Zz Shared Album/{i}.png",
    "archive/2019/{i:07d}.jpg",
    "#tmp/{i}",
    "processed/Old Thumbs/{i}.webp",
]
# No non-ASCII keys: LocalStack 4.14 fails a ListObjectsV2 whose StartAfter is not ASCII
# ("'ascii' codec can't decode byte 0xc3"), where S3 lists them in UTF-8 byte order.


def key_of(layout, i, user):
    if layout == "uniform":
        return f"user-uploads/{uuid.uuid4()}/{uuid.uuid4()}.jpg"
    if i % 10 != 0:
        return f"user-uploads/{user}/{uuid.uuid4()}.jpg"
    return OFF_LAYOUT[(i // 10) % len(OFF_LAYOUT)].format(i=i)


def populate(spec):
    started = time.time()
    connect_to(region_name=REGION, aws_access_key_id=ACCOUNT, aws_secret_access_key="test").s3.create_bucket(Bucket=spec["bucket"])
    bucket = s3_stores[ACCOUNT][REGION].buckets[spec["bucket"]]
    user = str(uuid.uuid4())
    for i in range(spec["objects"]):
        key = key_of(spec["layout"], i, user)
        bucket.objects.set(key, S3Object(key=key, etag=uuid.uuid4().hex, size=1 + i % 50))
    print(f"bench populate: {spec['objects']} objects ({spec['layout']}) in {spec['bucket']} in {time.time() - started:.1f} s", flush=True)


for spec in json.loads(os.environ.get("BENCH_POPULATE", "[]")):
    populate(spec)
