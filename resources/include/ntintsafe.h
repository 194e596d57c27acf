/*
 * NDIS Lab - overflow-checked integer helpers (ntintsafe.h subset), inline.
 */
#ifndef _NTINTSAFE_H_INCLUDED_
#define _NTINTSAFE_H_INCLUDED_

#include <wdm.h>

#define NDISLAB_SAFE_OP(Name, T, Op)                                              \
    FORCEINLINE NTSTATUS Name(_In_ T A, _In_ T B, _Out_ T *Result)                \
    {                                                                             \
        if (__builtin_##Op##_overflow(A, B, Result)) {                            \
            *Result = (T)~(T)0;                                                   \
            return STATUS_INTEGER_OVERFLOW;                                       \
        }                                                                         \
        return STATUS_SUCCESS;                                                    \
    }

NDISLAB_SAFE_OP(RtlULongAdd, ULONG, add)
NDISLAB_SAFE_OP(RtlULongSub, ULONG, sub)
NDISLAB_SAFE_OP(RtlULongMult, ULONG, mul)
NDISLAB_SAFE_OP(RtlUShortAdd, USHORT, add)
NDISLAB_SAFE_OP(RtlUShortMult, USHORT, mul)
NDISLAB_SAFE_OP(RtlSizeTAdd, SIZE_T, add)
NDISLAB_SAFE_OP(RtlSizeTSub, SIZE_T, sub)
NDISLAB_SAFE_OP(RtlSizeTMult, SIZE_T, mul)
NDISLAB_SAFE_OP(RtlULongLongAdd, ULONGLONG, add)
NDISLAB_SAFE_OP(RtlULongLongMult, ULONGLONG, mul)
#define RtlUIntAdd  RtlULongAdd
#define RtlUIntMult RtlULongMult

FORCEINLINE NTSTATUS RtlULongToUShort(_In_ ULONG Operand, _Out_ USHORT *Result)
{
    if (Operand > 0xFFFF) { *Result = 0xFFFF; return STATUS_INTEGER_OVERFLOW; }
    *Result = (USHORT)Operand;
    return STATUS_SUCCESS;
}

FORCEINLINE NTSTATUS RtlSizeTToULong(_In_ SIZE_T Operand, _Out_ ULONG *Result)
{
    *Result = (ULONG)Operand;
    return STATUS_SUCCESS;
}

#endif /* _NTINTSAFE_H_INCLUDED_ */
