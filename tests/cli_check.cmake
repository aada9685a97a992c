# Runs one command-line case for tests/cli_tests.cmake and checks it: cmake -DEXE=... -DARGS=a|b|c
# -DRC=2 [-DOUT=regex] [-DERR=regex] [-DCR=yes|no] [-DTOOL=name] -DWORK=dir -P cli_check.cmake
# ARGS is '|'-separated (ctest would split ';'); @WORK@ in it stands for WORK, a fresh empty folder that
# is also the working directory. Always refused: "stoi" (a raw std:: conversion error), "terminate called".
# CR=no: stderr must hold no carriage return (progress on a pipe); CR=yes: it must hold one.
cmake_minimum_required(VERSION 3.25)  # new policies: "@WORK@" is plain text
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
string(REPLACE "|" ";" args "${ARGS}")
string(REPLACE "@WORK@" "${WORK}" args "${args}")
execute_process(COMMAND "${EXE}" ${args} WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
set(report "command: ${EXE} ${args}\nexit: ${rc}\n--- stdout\n${out}\n--- stderr\n${err}")
set(failures "")
if(NOT "${rc}" STREQUAL "${RC}")
  string(APPEND failures "exit status ${rc}, expected ${RC}; ")
endif()
if(DEFINED OUT AND NOT "${OUT}" STREQUAL "" AND NOT out MATCHES "${OUT}")
  string(APPEND failures "stdout does not match '${OUT}'; ")
endif()
if(DEFINED ERR AND NOT "${ERR}" STREQUAL "" AND NOT err MATCHES "${ERR}")
  string(APPEND failures "stderr does not match '${ERR}'; ")
endif()
if("${out}${err}" MATCHES "stoi|terminate called")
  string(APPEND failures "raw C++ error text in the output; ")
endif()
if("${RC}" STREQUAL "2" AND DEFINED TOOL AND NOT err MATCHES "${TOOL}: error: .*\\(see ${TOOL} --help\\)")
  string(APPEND failures "a usage error must read '${TOOL}: error: ... (see ${TOOL} --help)'; ")
endif()
string(FIND "${err}" "\r" cr_at)
if("${CR}" STREQUAL "no" AND NOT cr_at EQUAL -1)
  string(APPEND failures "stderr holds a carriage return; ")
elseif("${CR}" STREQUAL "yes" AND cr_at EQUAL -1)
  string(APPEND failures "stderr holds no carriage return; ")
endif()
if(failures)
  message(FATAL_ERROR "${failures}\n${report}")
endif()
message(STATUS "${report}")
