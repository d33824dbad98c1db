# Other API layers (mtproto/schema/layers/<layer>.tl): generated LayerAdapters and the compat schema
# that let the emulator answer, and understand, peers that declared another layer. Included from
# this directory's CMakeLists.txt after tl_generate(); sets api_layers_SOURCES.
file(GLOB TL_LAYER_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/mtproto/schema/layers/*.tl)
set(api_layers_SOURCES ${TL_GEN_DIR}/api_layers.h ${TL_GEN_DIR}/api_layers.cc)
add_custom_command(
  OUTPUT ${api_layers_SOURCES}
  COMMAND ${INVITEGATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/generator/gen_layers.py
          --schema ${PROJECT_SOURCE_DIR}/mtproto/schema/api.tl
          --layers ${TL_LAYER_FILES}
          --out ${TL_GEN_ROOT}
  DEPENDS ${PROJECT_SOURCE_DIR}/mtproto/schema/api.tl ${TL_LAYER_FILES}
          ${CMAKE_CURRENT_SOURCE_DIR}/generator/gen_layers.py ${TL_GENERATOR}
  COMMENT "Generating C++ for other API layers"
  VERBATIM)
