# Find the stack: MPI, parallel HDF5, cJSON, CUnit, Random123.
# Each failure says which Debian package provides what is missing.

find_package(MPI REQUIRED COMPONENTS C)

set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C HL)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "The HDF5 found (${HDF5_INCLUDE_DIRS}) is not built for MPI: sendrift "
    "writes one result file from all ranks and needs parallel HDF5.\n"
    "On Debian: apt-get install libhdf5-openmpi-dev, or point HDF5_ROOT / "
    "CMAKE_PREFIX_PATH at a parallel build (h5pcc).")
endif()
add_library(sd::hdf5 INTERFACE IMPORTED)
set_target_properties(sd::hdf5 PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${HDF5_INCLUDE_DIRS}"
  INTERFACE_LINK_LIBRARIES "${HDF5_C_HL_LIBRARIES};${HDF5_HL_LIBRARIES};${HDF5_C_LIBRARIES}"
  INTERFACE_COMPILE_DEFINITIONS "${HDF5_DEFINITIONS}")

find_package(PkgConfig QUIET)
find_path(SD_CJSON_INCLUDE_DIR cjson/cJSON.h)
find_library(SD_CJSON_LIBRARY cjson)
if(NOT SD_CJSON_INCLUDE_DIR OR NOT SD_CJSON_LIBRARY)
  message(FATAL_ERROR "cJSON not found. On Debian: apt-get install libcjson-dev")
endif()
add_library(sd::cjson INTERFACE IMPORTED)
set_target_properties(sd::cjson PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${SD_CJSON_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES "${SD_CJSON_LIBRARY}")

find_path(SD_CUNIT_INCLUDE_DIR CUnit/CUnit.h)
find_library(SD_CUNIT_LIBRARY cunit)
if(NOT SD_CUNIT_INCLUDE_DIR OR NOT SD_CUNIT_LIBRARY)
  message(FATAL_ERROR "CUnit not found. On Debian: apt-get install libcunit1-dev")
endif()
add_library(sd::cunit INTERFACE IMPORTED)
set_target_properties(sd::cunit PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${SD_CUNIT_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES "${SD_CUNIT_LIBRARY}")

find_path(SD_RANDOM123_INCLUDE_DIR Random123/philox.h)
if(NOT SD_RANDOM123_INCLUDE_DIR)
  message(FATAL_ERROR "Random123 not found. On Debian: apt-get install librandom123-dev")
endif()

# Python with h5py and numpy, for the analysis tools and the tests that read
# result files without sendrift.  The first python3 on PATH may lack them.
if(NOT SD_PYTHON)
  foreach(cand /usr/bin/python3 python3)
    find_program(_sd_py_${cand} NAMES ${cand} NO_CACHE)
    set(_py "${_sd_py_${cand}}")
    if(_py)
      execute_process(COMMAND ${_py} -c "import h5py, numpy, matplotlib, scipy"
                      RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
      if(_rc EQUAL 0)
        set(SD_PYTHON "${_py}" CACHE FILEPATH "python3 that imports h5py, numpy, matplotlib, scipy")
        break()
      endif()
    endif()
  endforeach()
endif()
if(NOT SD_PYTHON)
  message(WARNING "No python3 that imports h5py, numpy and matplotlib: the "
          "analysis tests are skipped. On Debian: apt-get install python3-h5py "
          "python3-numpy python3-matplotlib python3-scipy")
endif()
