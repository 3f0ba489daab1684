{
  "targets": [
    {
      "target_name": "tsrun",
      "sources": [
        "src/addon.cc",
        "src/files.cc",
        "src/idmap.cc",
        "src/netlink.cc",
        "src/link_setup_in_netns.cc",
        "src/rtnetlink.cc",
        "src/napi_args.cc",
        "src/plan.cc",
        "src/plan_echo.cc",
        "src/plan_layout.cc",
        "src/spawn.cc",
        "src/sync.cc",
        "src/terminal.cc",
        "src/child/clone.cc",
        "src/child/main.cc",
        "src/child/join.cc",
        "src/child/fds.cc",
        "src/child/ns.cc",
        "src/child/limits.cc",
        "src/child/memory_policy.cc",
        "src/child/rootfs.cc",
        "src/child/copy_up.cc",
        "src/child/userns_holder.cc",
        "src/child/resolve.cc",
        "src/child/devices.cc",
        "src/child/console.cc",
        "src/child/creds.cc",
        "src/child/process_attrs.cc",
        "src/child/keyring.cc",
        "src/child/seccomp.cc",
        "src/child/exec.cc",
        "src/child/hooks.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
            "cflags_cc!": ["-std=gnu++17"],
      # libstdc++ linked in (its symbols kept private): Bun does not load it itself, and
      # loading the shared one cost every command that needs the addon ~2 ms there.
      "ldflags": ["-Wl,-z,now", "-Wl,-z,relro", "-static-libstdc++", "-static-libgcc", "-Wl,--exclude-libs,ALL"],
      "cflags": ["-fno-exceptions", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions", "-fno-rtti", "-fvisibility=hidden", "-fvisibility-inlines-hidden",
                    "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
