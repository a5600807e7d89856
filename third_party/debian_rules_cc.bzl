"""Loads Debian's rules_cc (0.0.4) under Bazel 4.2.3.

Debian ships rules_cc written for Bazel >= 5: two files load `use_cpp_toolchain` from
@bazel_tools, which Bazel 4 lacks. This rule copies the tree and replaces that call with the
toolchain type it stands for, so `load("@rules_cc//cc:defs.bzl", ...)` works offline.
"""

_PATCHED = [
    "cc/private/rules_impl/compiler_flag.bzl",
    "cc/private/rules_impl/cc_flags_supplier.bzl",
]

def _debian_rules_cc_impl(ctx):
    src = ctx.path(ctx.attr.path)
    if not src.exists:
        fail("rules_cc not found at %s: run tools/setup.sh (Debian package bazel-rules-cc)" % src)
    result = ctx.execute(["cp", "-R", str(src) + "/.", "."])
    if result.return_code != 0:
        fail("copying %s failed: %s" % (src, result.stderr))
    for name in _PATCHED:
        text = ctx.read(name)
        text = text.replace(', "use_cpp_toolchain"', "")
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        ctx.file(name, text, executable = False)

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    attrs = {"path": attr.string(mandatory = True)},
    local = True,
)
