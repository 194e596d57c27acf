/* NDIS Lab: driver annotations live in sal.h. */
#include <sal.h>
