/*
 * Root attributes of an HDF5 file by path (see h5attr.h): opens the file, reads through
 * h5util (which knows every way Keras and h5py wrote strings) and closes it again.
 */
#include "h5attr.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "h5util.h"

int li_h5attr_string(const char *path, const char *name, char **out, li_err *err)
{
	li_h5_quiet();
	if (access(path, R_OK))
		return li_err_set(err, LI_EIO, "%s", strerror(errno));
	if (H5Fis_hdf5(path) <= 0)
		return li_err_set(err, LI_EDATA, "not an HDF5 file");
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (f < 0)
		return li_err_set(err, LI_EDATA, "cannot open as HDF5");
	int rc = li_h5_attr_string(f, name, out, err);
	if (rc == LI_EEND)
		li_err_set(err, LI_EEND, "no root attribute '%s'", name);
	H5Fclose(f);
	return rc;
}
