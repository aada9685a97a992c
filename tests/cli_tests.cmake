# Command-line tests of every tool (label unit): the shared layer of tools/common/cli.h seen from outside.
# Each case runs one tool through cli_check.cmake, which checks the exit status (Note [exit codes]: 0 ok,
# 1 runtime error, 2 usage error), the message, and that no raw "stoi" or "terminate called" appears.
#   dpt_cli_test(<tool>/<case> <tool> <exit status> ARGS ... [OUT regex] [ERR regex] [ENV VAR=value]
#                [CR yes|no])
function(dpt_cli_test name tool rc)
  cmake_parse_arguments(T "" "OUT;ERR;ENV;CR" "ARGS" ${ARGN})
  string(REPLACE ";" "|" args "${T_ARGS}")
  string(MAKE_C_IDENTIFIER "${name}" work)
  add_test(NAME cli/${name}
           COMMAND ${CMAKE_COMMAND} "-DEXE=$<TARGET_FILE:${tool}>" "-DTOOL=${tool}" "-DARGS=${args}" "-DRC=${rc}"
                   "-DOUT=${T_OUT}" "-DERR=${T_ERR}" "-DCR=${T_CR}" "-DWORK=${CMAKE_CURRENT_BINARY_DIR}/cli/${work}"
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/cli_check.cmake)
  set_tests_properties(cli/${name} PROPERTIES LABELS unit)
  if(T_ENV)
    set_tests_properties(cli/${name} PROPERTIES ENVIRONMENT "${T_ENV}")
  endif()
endfunction()

# tests/test_cli.cpp: the layer's pieces from inside (numbers, options, progress, image names, mkdir -p).
target_link_libraries(dpt_tests PRIVATE dpt_cli)

set(DPT_CLI_DATA ${PROJECT_SOURCE_DIR}/tests/data/eval)
set(range "0[.][.]256")

# What every tool shares. `pre` and `quiet_args` reach the --threads check without doing anything else.
foreach(tool dpt-infer dpt-synth dpt-eval dpt-bench dpt-train dpt-ablate dpt-edges dpt-serve)
  set(pre "")
  set(quiet_args --device cpu)
  if(tool STREQUAL "dpt-bench")
    set(pre ops)
    set(quiet_args ops --filter no-such-row)
  elseif(tool STREQUAL "dpt-edges")  # the options it checks before --threads
    set(pre --images @WORK@/none --out @WORK@/edges)
    set(quiet_args ${pre})
  elseif(tool STREQUAL "dpt-serve")
    set(pre --runs @WORK@/none)
    set(quiet_args ${pre})
  elseif(tool STREQUAL "dpt-synth" OR tool STREQUAL "dpt-eval")
    set(quiet_args --quiet)
  elseif(tool STREQUAL "dpt-train")
    set(quiet_args --print-config)
  endif()
  dpt_cli_test(${tool}/help ${tool} 0 ARGS --help OUT "exit status: 0 success, 1 runtime error.*2 usage error")
  dpt_cli_test(${tool}/no_arguments ${tool} 2 ARGS "" ERR "exit status: 0 success")
  dpt_cli_test(${tool}/unknown_option ${tool} 2 ARGS ${pre} --no-such-option ERR "unknown option '--no-such-option'")
  dpt_cli_test(${tool}/missing_value ${tool} 2 ARGS ${pre} --threads ERR "--threads needs a value")
  dpt_cli_test(${tool}/threads_not_a_number ${tool} 2 ARGS ${pre} --threads 2x
               ERR "--threads: expected an integer in ${range}, got '2x'")
  dpt_cli_test(${tool}/threads_float ${tool} 2 ARGS ${pre} --threads 1e3
               ERR "--threads: expected an integer in ${range}, got '1e3'")
  dpt_cli_test(${tool}/threads_past_int ${tool} 2 ARGS ${pre} --threads 2147483648
               ERR "--threads: 2147483648 is out of range ${range}")
  dpt_cli_test(${tool}/threads_cap ${tool} 2 ARGS ${pre} --threads 100000 ERR "--threads: 100000 is out of range ${range}")
  dpt_cli_test(${tool}/threads_negative ${tool} 2 ARGS ${pre} --threads -1 ERR "--threads: -1 is out of range ${range}")
  # Given twice, the last value counts, but every one is checked.
  dpt_cli_test(${tool}/threads_twice_each_checked ${tool} 2 ARGS ${pre} --threads 2x --threads 1
               ERR "--threads: expected an integer in ${range}, got '2x'")
  dpt_cli_test(${tool}/env_threads_bad ${tool} 2 ARGS ${quiet_args} ENV DPT_THREADS=2x
               ERR "DPT_THREADS [(]environment[)]: expected an integer in ${range}, got '2x'")
  dpt_cli_test(${tool}/env_threads_cap ${tool} 2 ARGS ${quiet_args} ENV DPT_THREADS=100000
               ERR "DPT_THREADS [(]environment[)]: 100000 is out of range ${range}")
endforeach()

# DPT_THREADS is the default of --threads; the flag wins; the last --threads counts. `dpt-bench peak`
# (a 1-second FMA loop) says how many threads it ran.
dpt_cli_test(dpt-bench/env_threads dpt-bench 0 ARGS peak ENV DPT_THREADS=3 OUT "# peak: .*, 3 threads[)]")
dpt_cli_test(dpt-bench/flag_beats_env dpt-bench 0 ARGS peak --threads 1 ENV DPT_THREADS=3 OUT "# peak: .*, 1 threads[)]")
dpt_cli_test(dpt-bench/threads_last_wins dpt-bench 0 ARGS peak --threads 3 --threads 1 OUT "# peak: .*, 1 threads[)]")

# Numbers per tool: the flag and the value named, exit 2 (issue 15's cases among them).
dpt_cli_test(dpt-bench/batch_huge dpt-bench 2 ARGS ops --batch 9223372036854775807
             ERR "--batch: 9223372036854775807 is out of range 1[.][.]1024")
dpt_cli_test(dpt-bench/batch_overflow dpt-bench 2 ARGS ops --batch 99999999999999999999
             ERR "--batch: 99999999999999999999 is out of range")
dpt_cli_test(dpt-bench/runs_negative dpt-bench 2 ARGS ops --runs -1 ERR "--runs: -1 is out of range 1[.][.]1000")
dpt_cli_test(dpt-bench/no_mode dpt-bench 2 ARGS --runs 1 ERR "give the mode: ops, steps")
dpt_cli_test(dpt-bench/config_unknown dpt-bench 2 ARGS steps --config huge
             ERR "--config: expected one of small, paper, all, got 'huge'")
dpt_cli_test(dpt-ablate/max_float dpt-ablate 2 ARGS --max 1e3 ERR "--max: expected an integer in 0[.][.]")
dpt_cli_test(dpt-ablate/max_negative dpt-ablate 2 ARGS --max -5 ERR "--max: -5 is out of range 0[.][.]")
dpt_cli_test(dpt-train/steps_negative dpt-train 2 ARGS --steps -1 ERR "--steps: -1 is out of range")
dpt_cli_test(dpt-train/epochs_negative dpt-train 2 ARGS --epochs -1 ERR "--epochs: -1 is out of range")
dpt_cli_test(dpt-train/seed_not_a_number dpt-train 2 ARGS --seed 12ab ERR "--seed: expected an integer")
dpt_cli_test(dpt-synth/persons_float dpt-synth 2 ARGS --persons 1e3 ERR "--persons: expected an integer in 1[.][.]1000000, got '1e3'")
dpt_cli_test(dpt-synth/fraction_range dpt-synth 2 ARGS --hair-skirt 1.5 ERR "--hair-skirt: 1.5 is out of range 0[.][.]1")
dpt_cli_test(dpt-synth/fraction_not_a_number dpt-synth 2 ARGS --shading nan ERR "--shading: expected a number in 0[.][.]1, got 'nan'")
dpt_cli_test(dpt-synth/flag_with_value dpt-synth 2 ARGS --quiet=1 ERR "--quiet takes no value")
dpt_cli_test(dpt-eval/max_grid_zero dpt-eval 2 ARGS --pred-dir p --gt-dir g --max-grid 0
             ERR "--max-grid: 0 is out of range 1[.][.]100000")
dpt_cli_test(dpt-eval/required dpt-eval 2 ARGS --quiet ERR "--pred-dir is required")
dpt_cli_test(dpt-eval/missing_folder dpt-eval 1 ARGS --pred-dir @WORK@/none --gt-dir @WORK@/none --quiet
             ERR "dpt-eval: error: prediction folder .*none' does not exist")
dpt_cli_test(dpt-infer/tile_size_huge dpt-infer 2 ARGS --source a.png --source-iuv b.png --save-atlas c.png
             --tile-size 1073741824 ERR "--tile-size: 1073741824 is out of range 2[.][.]4096")
dpt_cli_test(dpt-infer/option_of_another_mode dpt-infer 2 ARGS --source a.png --source-iuv b.png --save-atlas c.png
             --out-dir d ERR "--out-dir is not used by --save-atlas")
dpt_cli_test(dpt-infer/missing_file dpt-infer 1 ARGS --source @WORK@/none.png --source-iuv @WORK@/none.png
             --save-atlas c.png ERR "dpt-infer: error: .*none.png")

# --conv-backend: documented in dpt-infer --help and accepted (it was refused as an unknown option).
dpt_cli_test(dpt-infer/conv_backend dpt-infer 0 ARGS --conv-backend native --source ${DPT_CLI_DATA}/gt/smooth_64x48.png
             --source-iuv ${DPT_CLI_DATA}/iuv/smooth_64x48.png --save-atlas @WORK@/atlas.png --tile-size 8
             ERR "wrote .*atlas.png [(]48x32, tile size 8[)]")
dpt_cli_test(dpt-infer/conv_backend_unknown dpt-infer 2 ARGS --conv-backend fast --source a.png --source-iuv b.png
             --save-atlas c.png ERR "--conv-backend: expected one of native, cudnn, got 'fast'")

# Progress on a pipe (ctest's stderr): whole lines, no '\r'; DPT_PROGRESS=tty shows that the check sees one.
set(synth_small --persons 3 --views 2 --size 32x32 --tile 8)
dpt_cli_test(dpt-synth/progress_lines dpt-synth 0 ARGS --out @WORK@/d ${synth_small}
             ERR "dpt-synth [[]#+[]] 6/6 [|] [0-9.]+ img/s" CR no)
dpt_cli_test(dpt-synth/progress_tty dpt-synth 0 ARGS --dry-run ${synth_small} ENV DPT_PROGRESS=tty CR yes)
dpt_cli_test(dpt-eval/progress_lines dpt-eval 0 ARGS --pred-dir ${DPT_CLI_DATA}/pred --gt-dir ${DPT_CLI_DATA}/gt
             ERR "dpt-eval [[]#+[]] 6/6" CR no)
