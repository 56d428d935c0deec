/*
 * Root attributes of an HDF5 file by path (see h5attr.h): opens the file, reads through
 * h5util (which knows every way Keras and h5py wrote strings) and closes it again.
 */
#include "h5attr.h"

#include "h5util.h"

int li_h5attr_string(const char *path, const char *name, char **out, li_err *err)
{
	hid_t f = li_h5_open(path, err);
	if (f < 0)
		return err->code;
	int rc = li_h5_attr_string(f, name, out, err);
	if (rc == LI_EEND)
		li_err_set(err, LI_EEND, "no root attribute '%s'", name);
	li_h5_close(f);
	return rc;
}
