cmake_minimum_required(VERSION 3.25)  # policies of a script run with -P
# Fails when a file of layer LAYER includes a header of a layer it does not
# link (ALLOWED, comma-separated): an include across a missing arrow between
# layers; or when a layer of ADAPTERS (comma-separated) is included by a file
# not named after it: only the adapter's files (store's s3_*) may include it.
# Run at build time by ferry_layer() (CMakeLists.txt) over FILES.
string(REPLACE "," ";" allowed "${ALLOWED}")
string(REPLACE "," ";" adapters "${ADAPTERS}")
string(REPLACE "," ";" files "${FILES}")
set(errors "")
set(adapter_errors "")
foreach(file IN LISTS files)
  get_filename_component(name "${file}" NAME)
  file(STRINGS "${file}" includes REGEX "^#include \"[a-z0-9_]+/")
  foreach(line IN LISTS includes)
    string(REGEX MATCH "^#include \"([a-z0-9_]+)/" _ "${line}")
    set(included ${CMAKE_MATCH_1})
    if(NOT included IN_LIST allowed)
      string(APPEND errors "\n  ${file}: ${line}: ferry_${LAYER} does not link ferry_${included}")
    elseif(included IN_LIST adapters AND NOT name MATCHES "^${included}_")
      string(APPEND adapter_errors "\n  ${file}: ${line}: only the ${included}_* files of "
                                   "${LAYER} may include ${included}/")
    endif()
  endforeach()
endforeach()
if(errors)
  message(FATAL_ERROR "includes across a missing arrow between layers:${errors}\n"
                      "Depend on a lower layer through its own library (target_link_libraries "
                      "of ${LAYER}), or move the code to the layer that owns it (DESIGN.md).")
endif()
if(adapter_errors)
  message(FATAL_ERROR "includes of an adapter's layer outside the adapter:${adapter_errors}\n"
                      "Give ${LAYER} its own type and convert in the adapter (as "
                      "store/s3_conversions.h does).")
endif()
file(TOUCH "${STAMP}")
