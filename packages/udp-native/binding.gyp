{
  "targets": [
    {
      "target_name": "udp_batch",
      "sources": ["src/native/udp_batch.c", "src/native/serve_thread.c", "src/native/get_host_table.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration", "-O2", "-pthread"],
      "ldflags": ["-pthread"]
    }
  ]
}
