# The generated per-layer tables: GoogleTest cases, and a cross-check in which Debian's Telethon
# (layer 144) parses our layer-144 bytes and produces the layer-144 requests we must decode.
invitegate_test(tl_layers_test LABELS unit SOURCES layers_test.cc LIBS mtproto_tl)

add_executable(tl_layers_tool layers_tool.cc)
target_link_libraries(tl_layers_tool PRIVATE mtproto_tl)
add_test(NAME tl_layers_crosscheck
  COMMAND ${INVITEGATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/layers_crosscheck.py
          $<TARGET_FILE:tl_layers_tool>)
set_tests_properties(tl_layers_crosscheck PROPERTIES LABELS unit TIMEOUT 120)
