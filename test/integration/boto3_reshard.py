"""Reshards with boto3 and follows the lineage with GetRecords; prints JSON results.

usage: python3 boto3_reshard.py <endpoint> <stream>
"""
import json
import sys

from boto3_client import kinesis_client

endpoint, stream = sys.argv[1], sys.argv[2]
kinesis = kinesis_client(endpoint)
kinesis.create_stream(StreamName=stream, ShardCount=1)
kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"before")
kinesis.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
after = kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"after")
scaled = kinesis.update_shard_count(StreamName=stream, TargetShardCount=3, ScalingType="UNIFORM_SCALING")
shards = kinesis.list_shards(StreamName=stream)["Shards"]
latest = kinesis.list_shards(StreamName=stream, ShardFilter={"Type": "AT_LATEST"})["Shards"]

# Follow the lineage from the first shard: each shard to its end, then its children.
seen, queue, done = [], ["shardId-000000000000"], set()
while queue:
    shard_id = queue.pop(0)
    it = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    while it:
        got = kinesis.get_records(ShardIterator=it)
        seen += [r["Data"].decode() for r in got["Records"]]
        it = got.get("NextShardIterator")
        if it is None:
            done.add(shard_id)
            for child in got["ChildShards"]:
                if all(p in done for p in child["ParentShards"]) and child["ShardId"] not in queue:
                    queue.append(child["ShardId"])
        elif not got["Records"]:
            break  # an open shard's tip
errors = {}
try:
    kinesis.merge_shards(StreamName=stream, ShardToMerge="shardId-000000000000", AdjacentShardToMerge="shardId-000000000001")
except kinesis.exceptions.InvalidArgumentException as e:
    errors["closed"] = e.response["Error"]["Code"]
try:
    kinesis.update_shard_count(StreamName=stream, TargetShardCount=7, ScalingType="UNIFORM_SCALING")
except kinesis.exceptions.LimitExceededException as e:
    errors["double"] = e.response["Error"]["Message"]
print(json.dumps({
    "afterShard": after["ShardId"],
    "scaled": {k: scaled[k] for k in ("CurrentShardCount", "TargetShardCount")},
    "shards": len(shards),
    "latest": [s["ShardId"] for s in latest],
    "parents": {s["ShardId"]: [s.get("ParentShardId"), s.get("AdjacentParentShardId")] for s in shards},
    "seen": seen,
    "errors": errors,
}))
