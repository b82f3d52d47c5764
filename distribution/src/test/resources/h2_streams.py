"""One HTTP/2 connection over TLS (ALPN h2), one stream per :authority given, in turn.

Usage: h2_streams.py PORT SNI AUTHORITY...
Prints, per stream, "AUTHORITY STATUS UID" (UID from the whoami WAR's JSON, "-" otherwise);
exits 1 if the connection ends before every stream is answered.
"""
import json
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events

port, sni, authorities = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
context.set_alpn_protocols(["h2"])
sock = context.wrap_socket(
    socket.create_connection(("127.0.0.1", port), timeout=20), server_hostname=sni)
if sock.selected_alpn_protocol() != "h2":
    print("alpn", sock.selected_alpn_protocol())
    sys.exit(1)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
sock.sendall(conn.data_to_send())
for authority in authorities:
    stream = conn.get_next_available_stream_id()
    conn.send_headers(
        stream,
        [(":method", "GET"), (":path", "/"), (":scheme", "https"), (":authority", authority)],
        end_stream=True)
    sock.sendall(conn.data_to_send())
    status, body, ended = None, b"", False
    while not ended:
        data = sock.recv(65535)
        if not data:
            print("closed")
            sys.exit(1)
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream:
                status = dict(event.headers)[b":status"].decode()
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                if event.stream_id == stream:
                    body += event.data
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
                ended = True
            elif isinstance(event, h2.events.ConnectionTerminated):
                print("goaway", event.error_code)
                sys.exit(1)
        sock.sendall(conn.data_to_send())
    try:
        uid = json.loads(body)["uid"]
    except ValueError:
        uid = "-"
    print(authority, status, uid, flush=True)
conn.close_connection()
sock.sendall(conn.data_to_send())
sock.close()
