"""A standard NETCONF client (ncclient) working a simulated device: the interoperability check
run by simulator/interop.integration.test.ts. Prints one JSON object with what it saw."""
import json
import sys

from ncclient import manager

host, port, username, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ns = "http://xml.juniper.net/xnm/1.1/xnm"  # Junos's own; the device serves the configuration without it
seen = {}
with manager.connect(host=host, port=port, username=username, password=password, hostkey_verify=False,
                     look_for_keys=False, allow_agent=False, timeout=10) as m:
    seen["sessionId"] = m.session_id
    seen["capabilities"] = sorted(m.server_capabilities)
    with m.locked("candidate"):
        m.edit_config(target="candidate", config=f'<config><configuration xmlns="{ns}"><system><host-name>from-ncclient</host-name></system></configuration></config>')
        m.validate(source="candidate")
        m.commit(confirmed=True, timeout="60")
        m.commit()
    running = m.get_config(source="running", filter=("subtree", f'<configuration xmlns="{ns}"><system/></configuration>'))
    seen["hostName"] = running.data_ele.find(".//{*}host-name").text
    try:
        m.edit_config(target="candidate", config=f'<config><configuration xmlns="{ns}"><interfaces><interface><name>ge-0/0/1</name><unit><name>1</name><vlan-id>4095</vlan-id></unit></interface></interfaces></configuration></config>')
        m.commit()
        seen["badCommit"] = "accepted"
    except Exception as error:  # ncclient raises RPCError with the device's rpc-error
        seen["badCommit"] = {"tag": getattr(error, "tag", None), "path": getattr(error, "path", None), "message": str(error)}
        m.discard_changes()
print(json.dumps(seen))
