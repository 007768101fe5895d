"""Every call of the dataflow leaves one record in the call history, labelled, shown in the admin."""

from __future__ import annotations

import pytest
import requests
from django.urls import reverse

from connections import adobe
from connections.flowservice import (
    DataLakeTarget,
    DatasetInput,
    FieldMapping,
    FlowAction,
    MappingSetInput,
    Operation,
    ServerError,
    SourceParams,
    StandardAuth,
    StreamingFlowInput,
)
from connections.models import FlowServiceCall
from tests.conftest import DEMO_MANAGE_KEY, DEMO_MANAGE_KEY_NAME, DEMO_NAMESPACE

pytestmark = pytest.mark.django_db
ORDERS_ID = "https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"


def test_every_operation_of_the_client_has_a_label_in_the_history():
    labels = dict(FlowServiceCall.Operation.choices)
    assert {op.value for op in Operation} - set(labels) == set()
    assert all(labels[op.value] != op.value for op in Operation)


def test_each_call_of_a_dataflow_is_one_record(user, emulator, admin_client):
    client = adobe.flow_client(onboarding=None, actor=user, sandbox_name="prod")
    auth = StandardAuth(namespace=DEMO_NAMESPACE, sas_key_name=DEMO_MANAGE_KEY_NAME, sas_key=DEMO_MANAGE_KEY)
    base = client.create_base_connection(name="Orders", description="", auth=auth)
    source = client.create_source_connection(
        name="Orders", description="", base_connection_id=base.id, params=SourceParams("orders")
    )
    before = FlowServiceCall.objects.count()

    client.list_tenant_schemas()
    client.get_schema(ORDERS_ID)
    dataset_id = client.create_dataset(DatasetInput("Orders", ORDERS_ID))
    client.get_dataset(dataset_id)
    client.list_datasets()
    target = client.create_target_connection(DataLakeTarget("Orders", dataset_id))
    client.get_target_connection(target.id)
    mappings = MappingSetInput(ORDERS_ID, (FieldMapping("id", "_eventhubsdemo.order.orderId"),))
    client.validate_mappings(mappings)
    mapping_id = client.create_mapping_set(mappings)
    client.get_mapping_set(mapping_id)
    client.list_flow_specs()
    client.get_flow_spec()
    flow = client.create_flow(StreamingFlowInput("Orders", source.id, target.id, mapping_id))
    client.get_flow(flow.id)
    client.list_flows()
    client.update_flow(flow.id, etag=flow.etag, name="Orders, renamed")
    client.set_flow_state(flow.id, FlowAction.DISABLE)
    client.set_flow_state(flow.id, FlowAction.ENABLE)
    client.list_runs(flow.id)
    client.delete_flow(flow.id)
    emulator.fault("/data/foundation/catalog/dataSets", method="POST", status=500)
    with pytest.raises(ServerError):
        client.create_dataset(DatasetInput("Orders again", ORDERS_ID))

    rows = list(FlowServiceCall.objects.order_by("id")[before:])
    recorded = [(row.operation, row.status_code) for row in rows if row.operation != Operation.IMS_TOKEN]
    assert recorded == [
        *((op.value, 200) for op in (Operation.LIST_SCHEMAS, Operation.GET_SCHEMA)),
        (Operation.CREATE_DATASET.value, 201),
        *((op.value, 200) for op in (Operation.GET_DATASET, Operation.LIST_DATASETS)),
        (Operation.CREATE_TARGET.value, 201),
        (Operation.GET_TARGET.value, 200),
        (Operation.VALIDATE_MAPPING.value, 200),
        (Operation.CREATE_MAPPING.value, 200),
        *((op.value, 200) for op in (Operation.GET_MAPPING, Operation.LIST_FLOW_SPECS, Operation.GET_FLOW_SPEC)),
        (Operation.CREATE_FLOW.value, 201),
        *((op.value, 200) for op in (Operation.GET_FLOW, Operation.LIST_FLOWS, Operation.UPDATE_FLOW)),
        *((op.value, 200) for op in (Operation.DISABLE_FLOW, Operation.ENABLE_FLOW, Operation.LIST_RUNS)),
        (Operation.DELETE_FLOW.value, 204),
        (Operation.CREATE_DATASET.value, 500),
    ]
    flow_row = next(row for row in rows if row.operation == Operation.CREATE_FLOW)
    assert flow_row.connection_id == flow.id and flow_row.actor == user

    changelist = reverse("admin:connections_flowservicecall_changelist")
    page = admin_client.get(changelist + "?operation=create_flow").content.decode()
    assert "Create dataflow" in page and "/flows" in page
    detail = admin_client.get(reverse("admin:connections_flowservicecall_change", args=[flow_row.pk]))
    assert "Create dataflow" in detail.content.decode()
    failed = admin_client.get(changelist + "?status=500").content.decode()
    assert "/dataSets" in failed
    assert requests.get(emulator.url + "/__emulator__/stats", timeout=5).json()["flows"] == 0
