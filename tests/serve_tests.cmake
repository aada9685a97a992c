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
