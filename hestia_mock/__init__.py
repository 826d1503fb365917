"""A stateful fake HestiaCP: `models.Backend` (state and v-* commands), `server.create_app` (the /api/ wire
format and /_mock/ control endpoints), `ftpd` (a real FTP/FTPS server), `bridge` (the same backend inside
`responses`) and `testing.MockHestia` (everything on real sockets). See hestia_mock/README.md."""
