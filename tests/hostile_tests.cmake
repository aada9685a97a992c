# Issue 15 (hostile input and faults): tests/test_hostile_*.cpp are doctest cases of dpt_tests (in the
# unit group); test_hostile_cli.cpp runs these tools, so dpt_tests depends on them (test::tool_path).
add_dependencies(dpt_tests dpt-train dpt-bench dpt-ablate dpt-synth dpt-infer)
