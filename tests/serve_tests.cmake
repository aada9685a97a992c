# dpt-serve (issue 14): the HTTP API cases in dpt_tests (serve/*) and the real-browser test (label
# browser). Only when tools/dpt-serve was built (cpp-httplib present).
if(TARGET dpt_serve)
  target_link_libraries(dpt_tests PRIVATE dpt_serve)
  target_compile_definitions(dpt_tests PRIVATE DPT_HAVE_SERVE=1)
  add_dependencies(dpt_tests dpt-serve)
  # Also part of "unit"; this entry runs them alone (ctest -L serve).
  dpt_test_group(serve_api "serve" "--test-case=serve/*")
  # Headless Debian chromium driven by puppeteer-core (tests/browser/run.sh installs it into
  # tests/browser/node_modules; never a browser download). Skipped when chromium or node is absent.
  add_test(NAME serve_browser
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/browser/run.sh ${CMAKE_BINARY_DIR}/bin
                   ${CMAKE_CURRENT_BINARY_DIR}/browser)
  set_tests_properties(serve_browser PROPERTIES LABELS "browser" SKIP_REGULAR_EXPRESSION "DPT_SKIPPED:"
                       TIMEOUT 1200)
endif()

# dpt-serve's command line through tests/cli_check.cmake (exit codes: tools/common/cli.h).
if(TARGET dpt-serve)
  function(dpt_serve_cli name rc args)
    add_test(NAME cli_serve_${name}
             COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:dpt-serve> "-DARGS=${args}" -DRC=${rc} -DTOOL=dpt-serve
                     -DWORK=${CMAKE_CURRENT_BINARY_DIR}/cli_serve_${name} ${ARGN}
                     -P ${CMAKE_CURRENT_SOURCE_DIR}/cli_check.cmake)
    set_tests_properties(cli_serve_${name} PROPERTIES LABELS "unit;serve")
  endfunction()
  dpt_serve_cli(help 0 "--help" "-DOUT=Security:.*127\\.0\\.0\\.1")
  dpt_serve_cli(no_runs 2 "--port|8080" "-DERR=--runs DIR is required")
  dpt_serve_cli(bad_port 2 "--runs|@WORK@|--port|70000" "-DERR=--port")
  dpt_serve_cli(unknown_option 2 "--runs|@WORK@|--bogus" "-DERR=--bogus")
  dpt_serve_cli(missing_runs 1 "--runs|@WORK@/none" "-DERR=--runs: .*none is not a folder")
  # Binding every address prints the warning (checked before the missing folder stops the start).
  dpt_serve_cli(host_warning 1 "--runs|@WORK@/none|--host|0.0.0.0" "-DERR=warning: --host 0.0.0.0 .*no login")
endif()
