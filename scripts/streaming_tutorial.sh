#!/usr/bin/env bash
# Adobe's streaming tutorial (help/sources/tutorials/api/collect/streaming.md), request by request, against the
# emulator `make emulator` runs: token, base and source connections (the Event Hubs tutorial), then the schema,
# dataset, target connection, mapping set, flow spec, flow, and what the dataflow reports. Each request is printed
# before its answer. Usage: scripts/streaming_tutorial.sh [EMULATOR_URL] (default http://127.0.0.1:8765).
set -euo pipefail

EMULATOR=${1:-http://127.0.0.1:8765}
PLATFORM=$EMULATOR/data/foundation
ORG="ABC123@AdobeOrg"  # any ...@AdobeOrg, unless the emulator was started with --org-id
CLIENT=my-client       # any client id and secret, unless --client-id/--client-secret
SCHEMA='https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0'  # the demo "Order events"
SCHEMA_ALT_ID='_eventhubsdemo.schemas.3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0'

# One Python per step: it prints the answer (its first $SHOWN lines, 40 unless set) and the value `pick` names: `id`, `ref`
# (the id in Catalog's `["@/dataSets/<id>"]`) or nothing (`-`).
PRETTY='
import json, os, sys
text, pick, most = sys.stdin.read(), sys.argv[1], int(os.environ.get("SHOWN") or 40)
try:
    body = json.loads(text)
except ValueError:
    body = None
shown = json.dumps(body, indent=1).splitlines() if body is not None else [text]
print("\n".join(shown[:most]) + ("\n …" if len(shown) > most else ""), file=sys.stderr)
if pick == "id":
    print(body["id"])
elif pick == "ref":
    print(body[0].rsplit("/", 1)[1])
'
show() {  # show STEP PICK METHOD URL [BODY] [extra curl args...]: print the request, send it, print the answer
  local step=$1 pick=$2 method=$3 url=$4 body=${5:-}
  shift 5 || shift $#
  echo "### $step" >&2
  echo "$method ${url#"$EMULATOR"}" >&2
  [ -n "$body" ] && echo "$body" >&2
  local args=(-s -X "$method" "$url" -H "Authorization: Bearer $TOKEN" -H "x-api-key: $CLIENT"
    -H "x-gw-ims-org-id: $ORG" -H "x-sandbox-name: prod" "$@")
  [ -n "$body" ] && args+=(-H "Content-Type: application/json" -d "$body")
  local answer
  answer=$(curl "${args[@]}" -w '\n%{http_code}')
  echo "→ HTTP ${answer##*$'\n'}" >&2
  echo "${answer%$'\n'*}" | python3 -c "$PRETTY" "$pick"
  echo >&2
}

TOKEN=$(curl -s -X POST "$EMULATOR/ims/token/v3" -d grant_type=client_credentials -d client_id=$CLIENT \
  -d client_secret=anything -d scope=openid,AdobeID | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

BASE=$(show "Base connection (the Event Hubs tutorial)" id POST "$PLATFORM/flowservice/connections" '{
  "name": "Azure Event Hubs connection", "description": "Connector for Azure Event Hubs",
  "auth": {"specName": "Azure EventHub authentication credentials",
           "params": {"sasKeyName": "RootManageSharedAccessKey",
                      "sasKey": "wvwtY9kn2UMDjZTFd+pffzMly2J26AoM07uWzS+dfMY=", "namespace": "contoso-events"}},
  "connectionSpec": {"id": "bf9f5905-92b7-48bf-bf20-455bc6b60a4e", "version": "1.0"}}')

SOURCE=$(show "Source connection" id POST "$PLATFORM/flowservice/sourceConnections" '{
  "name": "Azure Event Hubs source connection", "description": "A source connection for Azure Event Hubs",
  "baseConnectionId": "'"$BASE"'",
  "connectionSpec": {"id": "bf9f5905-92b7-48bf-bf20-455bc6b60a4e", "version": "1.0"},
  "data": {"format": "json"},
  "params": {"eventHubName": "orders", "dataType": "raw", "reset": "earliest", "consumerGroup": "aep-orders"}}')

show "List the tenant's schemas" - GET "$PLATFORM/schemaregistry/tenant/schemas" "" \
  -H "Accept: application/vnd.adobe.xed-id+json"

show "Read one schema, resolved (by meta:altId; a URL-encoded \$id works too)" - GET \
  "$PLATFORM/schemaregistry/tenant/schemas/$SCHEMA_ALT_ID" "" \
  -H "Accept: application/vnd.adobe.xed-full+json; version=1"

DATASET=$(show "Create a target dataset" ref POST "$PLATFORM/catalog/dataSets?requestDataSource=true" '{
  "name": "Test streaming dataset",
  "schemaRef": {"id": "'"$SCHEMA"'", "contentType": "application/vnd.adobe.xed-full-notext+json; version=1"}}')

TARGET=$(show "Create a target connection (the Data Lake)" id POST "$PLATFORM/flowservice/targetConnections" '{
  "name": "Streaming target connection", "description": "Streaming target connection",
  "connectionSpec": {"id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c", "version": "1.0"},
  "data": {"format": "parquet_xdm"},
  "params": {"dataSetId": "'"$DATASET"'"}}')

MAPPINGS='[
   {"destinationXdmPath": "_eventhubsdemo.order.orderId", "sourceAttribute": "id", "identity": false, "version": 0},
   {"destinationXdmPath": "_eventhubsdemo.order.total", "sourceAttribute": "total", "identity": false, "version": 0},
   {"destinationXdmPath": "_id", "sourceAttribute": "id", "identity": false, "version": 0},
   {"destinationXdmPath": "timestamp", "sourceAttribute": "placedAt", "identity": false, "version": 0}]'
show "Validate the mappings (Data Prep)" - POST "$PLATFORM/conversion/mappingSets/validate" '{
  "version": 0, "xdmSchema": "'"$SCHEMA_ALT_ID"'", "xdmVersion": "1.0", "mappings": '"$MAPPINGS"'}'

MAPPING=$(show "Create a mapping set" id POST "$PLATFORM/conversion/mappingSets" '{
  "version": 0, "xdmSchema": "'"$SCHEMA_ALT_ID"'", "xdmVersion": "1.0", "mappings": '"$MAPPINGS"'}')

show "Retrieve the dataflow specification" - GET \
  "$PLATFORM/flowservice/flowSpecs?property=name==Stream%20data%20with%20optional%20transformation" ""

FLOW=$(show "Create the streaming dataflow" id POST "$PLATFORM/flowservice/flows" '{
  "name": "Streaming dataflow", "description": "Streaming dataflow",
  "flowSpec": {"id": "d69717ba-71b4-4313-b654-49f9cf126d7a", "version": "1.0"},
  "sourceConnectionIds": ["'"$SOURCE"'"], "targetConnectionIds": ["'"$TARGET"'"],
  "transformations": [{"name": "Mapping", "params": {"mappingId": "'"$MAPPING"'", "mappingVersion": 0}}]}')

# A run is long: its reasons for failed records sit in its activities, below the counts.
SHOWN=140 show "Watch it: the dataflow's runs (hourly windows, newest first)" - GET \
  "$PLATFORM/flowservice/runs?property=flowId==$FLOW" ""
