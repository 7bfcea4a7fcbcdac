"""A standard NETCONF server (the PyPI `netconf` package, over paramiko) for checking Branchline's
NETCONF client against an implementation not its own. Serves one small running configuration
and answers everything else as that library does. Prints "ready <port>" once listening."""
import os
import sys
import time

import paramiko
from lxml import etree
from netconf import server, util

port, username, password, host_key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Methods(server.NetconfMethods):
    def rpc_get_config(self, session, rpc, source, filter_or_none):
        data = util.elm("data")
        config = etree.SubElement(data, "{urn:example:interop}configuration")
        etree.SubElement(etree.SubElement(config, "{urn:example:interop}system"), "{urn:example:interop}host-name").text = "standard-server"
        return util.filter_results(rpc, data, filter_or_none)


if not os.path.exists(host_key):
    paramiko.RSAKey.generate(2048).write_private_key_file(host_key)
controller = server.SSHUserPassController(username=username, password=password)
ns = server.NetconfSSHServer(server_ctl=controller, server_methods=Methods(), port=port, host_key=host_key, debug=False)
print(f"ready {ns.port}", flush=True)
while True:
    time.sleep(1)
