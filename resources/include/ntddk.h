/*
 * NDIS Lab - ntddk.h: the kernel definitions of wdm.h plus the few extras
 * NDIS drivers use. Written for NDIS Lab.
 */
#ifndef _NTDDK_
#define _NTDDK_

#include <wdm.h>

EXTERN_C_START

typedef struct _CM_MCA_POS_DATA {
    USHORT AdapterId;
    UCHAR PosData1;
    UCHAR PosData2;
    UCHAR PosData3;
    UCHAR PosData4;
} CM_MCA_POS_DATA, *PCM_MCA_POS_DATA;

EXTERN_C_END

#endif /* _NTDDK_ */

