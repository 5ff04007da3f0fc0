"""Run inside the unpacked Lambda package: feed API Gateway events (stdin) to zappa's handler.

Writes {"answers": [...], "origins": {...}} to the file named by the first argument; stdout and
stderr stay free for whatever the handler logs.
"""

import json
import sys

import handler

events = json.load(sys.stdin)
answers = [handler.lambda_handler(event, None) for event in events]
origins = {
    name: getattr(sys.modules.get(name), "__file__", None)
    for name in ("renewdesk", "flask", "pydantic", "zappa", "boto3")
}
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"answers": answers, "origins": origins}, out, ensure_ascii=False)
