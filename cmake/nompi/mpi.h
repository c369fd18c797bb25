/* First on the include path of the MPI-free kernels (the sd_kernels object
 * library in the root CMakeLists.txt): any include of mpi.h from a kernel,
 * directly or through a header, stops the build here. */
#error "sendrift: MPI-free kernels must not include mpi.h (directly or through grid.h, halo.h, fields.h, model.h, mpicheck.h, ...); use box.h and kernels.h, or move the code out of the kernel list in CMakeLists.txt"
