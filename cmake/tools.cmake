# tools/common is the command-line layer every tool links (dpt_cli); every other tools/<name>/ folder
# with a CMakeLists.txt is one command-line program, built into ${CMAKE_BINARY_DIR}/bin.
add_subdirectory(${PROJECT_SOURCE_DIR}/tools/common)
file(GLOB DPT_TOOL_DIRS LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/tools/*)
foreach(dir ${DPT_TOOL_DIRS})
  if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/CMakeLists.txt AND NOT dir STREQUAL "${PROJECT_SOURCE_DIR}/tools/common")
    add_subdirectory(${dir})
  endif()
endforeach()
