# The generated per-layer tables: GoogleTest cases, and a cross-check in which Debian's Telethon
# (layer 144) parses our layer-144 bytes and produces the layer-144 requests we must decode.
invitegate_test(tl_layers_test LABELS unit SOURCES layers_test.cc LIBS mtproto_tl)

invitegate_crosscheck(tl_layers_crosscheck TOOL tl_layers_tool SOURCES layers_tool.cc LIBS mtproto_tl
  SCRIPT layers_crosscheck.py)
