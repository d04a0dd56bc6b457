-- The echo scenario's request for wrk (bench and by hand): POST /echo with the 4 KiB body the
-- bench checks every contender against (scenarios.ts ECHO_BODY).
wrk.method = "POST"
wrk.body = string.rep("0123456789abcdef", 256)
wrk.headers["Content-Type"] = "application/octet-stream"
