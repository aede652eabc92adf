cmake_minimum_required(VERSION 3.25)  # policies of a script run with -P
# Fails when a file of layer LAYER includes a header of a layer it does not
# link (ALLOWED, comma-separated): an include across a missing arrow between
# layers. Run at build time by ferry_layer() (CMakeLists.txt) over FILES.
string(REPLACE "," ";" allowed "${ALLOWED}")
string(REPLACE "," ";" files "${FILES}")
set(errors "")
foreach(file IN LISTS files)
  file(STRINGS "${file}" includes REGEX "^#include \"[a-z0-9_]+/")
  foreach(line IN LISTS includes)
    string(REGEX MATCH "^#include \"([a-z0-9_]+)/" _ "${line}")
    if(NOT CMAKE_MATCH_1 IN_LIST allowed)
      string(APPEND errors "\n  ${file}: ${line}: ferry_${LAYER} does not link "
                           "ferry_${CMAKE_MATCH_1}")
    endif()
  endforeach()
endforeach()
if(errors)
  message(FATAL_ERROR "includes across a missing arrow between layers:${errors}\n"
                      "Depend on a lower layer through its own library (target_link_libraries "
                      "of ${LAYER}), or move the code to the layer that owns it (DESIGN.md).")
endif()
file(TOUCH "${STAMP}")
