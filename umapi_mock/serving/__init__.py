"""The socket server behind `umapi_mock.server` (its public façade): HTTP/1.1 over bytes
(`http1`), the I/O loop (`loop`), the worker pool (`workers`) and one answer (`answer`)."""
