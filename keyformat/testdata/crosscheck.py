#!/usr/bin/env python3
"""Independent cross-check of the test vectors used by keyformat and address.

Python 3 standard library only: secp256k1, ed25519, keccak-256, BIP-32,
SLIP-0010, BIP-39, base58, bech32/bech32m and the address formats are
written here from their specifications, sharing no code with the Go
packages. Run: python3 keyformat/testdata/crosscheck.py

Not covered: the Web3 scrypt keystore vector (OpenSSL's scrypt, behind
hashlib.scrypt, refuses n >= 2^(16 r)); it is checked by the Go test
decrypting it to the published key.
"""
import sys
import hashlib, hmac, struct

# ---------- secp256k1 ----------
P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)
def padd(a, b):
    if a is None: return b
    if b is None: return a
    if a[0] == b[0] and (a[1] + b[1]) % P == 0: return None
    if a == b:
        l = 3 * a[0] * a[0] * pow(2 * a[1], -1, P) % P
    else:
        l = (b[1] - a[1]) * pow(b[0] - a[0], -1, P) % P
    x = (l * l - a[0] - b[0]) % P
    return (x, (l * (a[0] - x) - a[1]) % P)
def pmul(k, pt=G):
    r = None
    while k:
        if k & 1: r = padd(r, pt)
        pt = padd(pt, pt); k >>= 1
    return r
def ser_c(pt): return bytes([2 + (pt[1] & 1)]) + pt[0].to_bytes(32, 'big')
def ser_u(pt): return b'\x04' + pt[0].to_bytes(32, 'big') + pt[1].to_bytes(32, 'big')
def lift_x(x):
    y = pow((x**3 + 7) % P, (P + 1) // 4, P)
    assert y * y % P == (x**3 + 7) % P
    return (x, y if y % 2 == 0 else P - y)

# ---------- BIP-32 ----------
def bip32_master(seed):
    I = hmac.new(b'Bitcoin seed', seed, hashlib.sha512).digest()
    k = int.from_bytes(I[:32], 'big'); assert 0 < k < N
    return k, I[32:]
def bip32_ckd(k, c, i):
    if i >= 2**31: data = b'\x00' + k.to_bytes(32, 'big') + i.to_bytes(4, 'big')
    else: data = ser_c(pmul(k)) + i.to_bytes(4, 'big')
    I = hmac.new(c, data, hashlib.sha512).digest()
    il = int.from_bytes(I[:32], 'big'); assert il < N
    k2 = (il + k) % N; assert k2 != 0
    return k2, I[32:]
def parse_path(path):
    out = []
    for p in path.split('/')[1:]:
        h = p[-1] in "'hH"
        v = int(p[:-1] if h else p)
        out.append(v + (2**31 if h else 0))
    return out
def bip32_derive(seed, path):
    k, c = bip32_master(seed)
    for i in parse_path(path): k, c = bip32_ckd(k, c, i)
    return k, c

# ---------- SLIP-0010 ed25519 ----------
def slip10(seed, path):
    I = hmac.new(b'ed25519 seed', seed, hashlib.sha512).digest()
    k, c = I[:32], I[32:]
    for i in parse_path(path):
        assert i >= 2**31
        I = hmac.new(c, b'\x00' + k + i.to_bytes(4, 'big'), hashlib.sha512).digest()
        k, c = I[:32], I[32:]
    return k, c

# ---------- ed25519 public key from seed (RFC 8032) ----------
EP = 2**255 - 19
ED = -121665 * pow(121666, -1, EP) % EP
def ed_add(a, b):
    (x1, y1), (x2, y2) = a, b
    t = ED * x1 * x2 * y1 * y2 % EP
    return ((x1 * y2 + x2 * y1) * pow(1 + t, -1, EP) % EP, (y1 * y2 + x1 * x2) * pow(1 - t, -1, EP) % EP)
def ed_mul(k, pt):
    r = (0, 1)
    while k:
        if k & 1: r = ed_add(r, pt)
        pt = ed_add(pt, pt); k >>= 1
    return r
EBy = 4 * pow(5, -1, EP) % EP
def ed_recover_x(y):
    x2 = (y * y - 1) * pow(ED * y * y + 1, -1, EP) % EP
    x = pow(x2, (EP + 3) // 8, EP)
    if (x * x - x2) % EP: x = x * pow(2, (EP - 1) // 4, EP) % EP
    return EP - x if x & 1 else x
EB = (ed_recover_x(EBy), EBy)
def ed_pub(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], 'little')
    a &= (1 << 254) - 8; a |= 1 << 254
    x, y = ed_mul(a, EB)
    return (y | ((x & 1) << 255)).to_bytes(32, 'little')

# ---------- BIP-39 ----------
import os
HERE = os.path.dirname(os.path.abspath(__file__))
WORDS = open(os.path.join(HERE, '..', 'wordlist_english.txt')).read().split()
def entropy_to_mnemonic(e):
    h = hashlib.sha256(e).digest()
    bits = bin(int.from_bytes(e, 'big'))[2:].zfill(len(e) * 8) + bin(int.from_bytes(h, 'big'))[2:].zfill(256)[:len(e) * 8 // 32]
    return ' '.join(WORDS[int(bits[i:i + 11], 2)] for i in range(0, len(bits), 11))
import unicodedata
def mnemonic_seed(m, pw=''):
    nfkd = lambda x: unicodedata.normalize('NFKD', x)
    return hashlib.pbkdf2_hmac('sha512', nfkd(m).encode(), nfkd('mnemonic' + pw).encode(), 2048, 64)

# ---------- base58 ----------
B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
def b58enc(b):
    n = int.from_bytes(b, 'big'); s = ''
    while n: n, r = divmod(n, 58); s = B58[r] + s
    return '1' * (len(b) - len(b.lstrip(b'\0'))) + s
def b58dec(s):
    n = 0
    for ch in s: n = n * 58 + B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, 'big') if n else b''
    return b'\0' * (len(s) - len(s.lstrip('1'))) + body
def dsha(b): return hashlib.sha256(hashlib.sha256(b).digest()).digest()
def b58check(b): return b58enc(b + dsha(b)[:4])
def wif(k, compressed, testnet=False):
    return b58check(bytes([0xef if testnet else 0x80]) + k.to_bytes(32, 'big') + (b'\x01' if compressed else b''))
def xprv(k, c, depth=0, fp=b'\0' * 4, child=0):
    return b58check(bytes.fromhex('0488ade4') + bytes([depth]) + fp + child.to_bytes(4, 'big') + c + b'\x00' + k.to_bytes(32, 'big'))

# ---------- keccak-256 (original padding, as Ethereum uses) ----------
RC = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B, 0x0000000080000001,
      0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
      0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003, 0x8000000000008002, 0x8000000000000080,
      0x000000000000800A, 0x800000008000000A, 0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
M64 = 2**64 - 1
def rol(x, n): return ((x << n) | (x >> (64 - n))) & M64 if n else x
def keccak_f(A):
    for rc in RC:
        C = [A[x][0] ^ A[x][1] ^ A[x][2] ^ A[x][3] ^ A[x][4] for x in range(5)]
        D = [C[(x - 1) % 5] ^ rol(C[(x + 1) % 5], 1) for x in range(5)]
        A = [[A[x][y] ^ D[x] for y in range(5)] for x in range(5)]
        B = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                B[y][(2 * x + 3 * y) % 5] = rol(A[x][y], ROT[x][y])
        A = [[B[x][y] ^ (~B[(x + 1) % 5][y] & B[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
        A[0][0] ^= rc
    return A
def keccak256(m):
    rate = 136
    m = bytearray(m) + b'\x01'
    while len(m) % rate: m += b'\0'
    m[-1] |= 0x80
    A = [[0] * 5 for _ in range(5)]
    for off in range(0, len(m), rate):
        for i in range(rate // 8):
            A[i % 5][i // 5] ^= int.from_bytes(m[off + 8 * i: off + 8 * i + 8], 'little')
        A = keccak_f(A)
    return b''.join(A[i % 5][i // 5].to_bytes(8, 'little') for i in range(4))
assert keccak256(b'').hex() == 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'

def eth_address(pt):
    a = keccak256(ser_u(pt)[1:])[12:].hex()
    h = keccak256(a.encode()).hex()
    return '0x' + ''.join(c.upper() if int(h[i], 16) >= 8 else c for i, c in enumerate(a))
def eip55(addr):
    a = addr[2:].lower(); h = keccak256(a.encode()).hex()
    return '0x' + ''.join(c.upper() if int(h[i], 16) >= 8 else c for i, c in enumerate(a))

# ---------- bech32 / bech32m (BIP-173 / BIP-350 reference) ----------
CS = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
def polymod(v):
    g = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]; c = 1
    for x in v:
        b = c >> 25; c = (c & 0x1ffffff) << 5 ^ x
        for i in range(5): c ^= g[i] if (b >> i) & 1 else 0
    return c
def hrpx(h): return [ord(x) >> 5 for x in h] + [0] + [ord(x) & 31 for x in h]
def bech_encode(hrp, data, m):
    const = 0x2bc830a3 if m else 1
    pm = polymod(hrpx(hrp) + data + [0] * 6) ^ const
    return hrp + '1' + ''.join(CS[d] for d in data + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])
def bech_decode(s):
    if any(ord(x) < 33 or ord(x) > 126 for x in s) or (s.lower() != s and s.upper() != s): return None
    s = s.lower(); pos = s.rfind('1')
    if pos < 1 or pos + 7 > len(s) or len(s) > 90: return None
    if not all(x in CS for x in s[pos + 1:]): return None
    hrp, data = s[:pos], [CS.find(x) for x in s[pos + 1:]]
    c = polymod(hrpx(hrp) + data)
    m = {1: False, 0x2bc830a3: True}.get(c)
    if m is None: return None
    return hrp, data[:-6], m
def convertbits(data, f, t, pad):
    acc = bits = 0; out = []; maxv = (1 << t) - 1
    for v in data:
        if v < 0 or v >> f: return None
        acc = acc << f | v; bits += f
        while bits >= t: bits -= t; out.append(acc >> bits & maxv)
    if pad:
        if bits: out.append(acc << (t - bits) & maxv)
    elif bits >= f or (acc << (t - bits)) & maxv: return None
    return out
def segwit_encode(hrp, v, prog): return bech_encode(hrp, [v] + convertbits(prog, 8, 5, True), v > 0)
def segwit_decode(hrp, addr):
    d = bech_decode(addr)
    if d is None or d[0] != hrp or not d[1]: return None
    prog = convertbits(d[1][1:], 5, 8, False); v = d[1][0]
    if prog is None or len(prog) < 2 or len(prog) > 40 or v > 16: return None
    if v == 0 and len(prog) not in (20, 32): return None
    if (v == 0) == d[2]: return None
    return v, bytes(prog)
def hash160(b): return hashlib.new('ripemd160', hashlib.sha256(b).digest()).digest()
def p2wpkh(pt): return segwit_encode('bc', 0, hash160(ser_c(pt)))
def tagged(tag, m):
    t = hashlib.sha256(tag.encode()).digest(); return hashlib.sha256(t + t + m).digest()
def p2tr(pt):
    x = pt[0]; Pt = lift_x(x)
    t = int.from_bytes(tagged('TapTweak', x.to_bytes(32, 'big')), 'big'); assert t < N
    Q = padd(Pt, pmul(t))
    return segwit_encode('bc', 1, Q[0].to_bytes(32, 'big'))

FAILED = []
def eq(name, got, want):
    if got != want: FAILED.append(name)
    print(('OK  ' if got == want else 'FAIL'), name, '' if got == want else f'\n   got  {got}\n   want {want}')

# BIP-32 vector 1
s1 = bytes.fromhex('000102030405060708090a0b0c0d0e0f')
v1 = {'m': 'e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35',
 "m/0'": 'edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea',
 "m/0'/1": '3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368',
 "m/0'/1/2'": 'cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca',
 "m/0'/1/2'/2": '0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4',
 "m/0'/1/2'/2/1000000000": '471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8'}
for p, w in v1.items(): eq('bip32 v1 ' + p, bip32_derive(s1, p)[0].to_bytes(32, 'big').hex(), w)
k, c = bip32_master(s1)
eq('bip32 v1 xprv m', xprv(k, c), 'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi')
s2 = bytes.fromhex('fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542')
v2 = {'m': '4b03d6fc340455b363f51020ad3ecca4f0850280cf436c70c727923f6db46c3e',
 'm/0': 'abe74a98f6c7eabee0428f53798f0ab8aa1bd37873999041703c742f15ac7e1e',
 "m/0/2147483647'": '877c779ad9687164e9c2f4f0f4ff0340814392330693ce95a58fe18fd52e6e93',
 "m/0/2147483647'/1": '704addf544a06e5ee4bea37098463c23613da32020d604506da8c0518e1da4b7',
 "m/0/2147483647'/1/2147483646'": 'f1c7c871a54a804afe328b4c83a1c33b8e5ff48f5087273f04efa83b247d6a2d',
 "m/0/2147483647'/1/2147483646'/2": 'bb7d39bdb83ecf58f2fd82b6d918341cbef428661ef01ab97c28a4842125ac23'}
for p, w in v2.items(): eq('bip32 v2 ' + p, bip32_derive(s2, p)[0].to_bytes(32, 'big').hex(), w)

# SLIP-10
sl = {'m': ('2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7', 'a4b2856bfec510abab89753fac1ac0e1112364e7d250545963f135f2a33188ed'),
 "m/0'": ('68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3', '8c8a13df77a28f3445213a0f432fde644acaa215fc72dcdf300d5efaa85d350c'),
 "m/0'/1'": ('b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2', '1932a5270f335bed617d5b935c80aedb1a35bd9fc1e31acafd5372c30f5c1187'),
 "m/0'/1'/2'": ('92a5b23c0b8a99e37d07df3fb9966917f5d06e02ddbd909c7e184371463e9fc9', 'ae98736566d30ed0e9d2f4486a64bc95740d89c7db33f52121f8ea8f76ff0fc1'),
 "m/0'/1'/2'/2'": ('30d1dc7e5fc04c31219ab25a27ae00b50f6fd66622f6e9c913253d6511d1e662', '8abae2d66361c879b900d204ad2cc4984fa2aa344dd7ddc46007329ac76c429c'),
 "m/0'/1'/2'/2'/1000000000'": ('8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793', '3c24da049451555d51a7014a37337aa4e12d41e485abccfa46b47dfb2af54b7a')}
for p, (wk, wp) in sl.items():
    k, c = slip10(s1, p)
    eq('slip10 ' + p, k.hex(), wk); eq('slip10 pub ' + p, ed_pub(k).hex(), wp)

# RFC 8032 test 1
eq('rfc8032 pub', ed_pub(bytes.fromhex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')).hex(), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
eq('solana rfc8032', b58enc(bytes.fromhex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')), 'FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z')

# BIP-39 Trezor
tz = [('00000000000000000000000000000000', 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', 'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04', 'xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF'),
 ('7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f', 'legal winner thank year wave sausage worth useful legal winner thank yellow', '2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607', None),
 ('80808080808080808080808080808080', 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above', 'd71de856f81a8acc65e6fc851a38d4d7ec216fd0796d0a6827a3ad6ed5511a30fa280f12eb2e47ed2ac03b5c462a0358d18d69fe4f985ec81778c1b370b652a8', None),
 ('ffffffffffffffffffffffffffffffff', 'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong', 'ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069', None),
 ('00' * 32, 'abandon ' * 23 + 'art', 'bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8', None),
 ('ff' * 32, 'zoo ' * 23 + 'vote', 'dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad', None),
 ('9e885d952ad362caeb4efe34a8e91bd2', 'ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic', '274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e5476c91689f9c8a54fd55bd38606aa6a8595ad213d4c9c9f9aca3fb217069a41028', None),
 ('68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c', 'hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length', '64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d20b385bc1588d9c7b38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440', None)]
for e, m, s, x in tz:
    eq('bip39 mnemonic ' + m[:20], entropy_to_mnemonic(bytes.fromhex(e)), m)
    eq('bip39 seed ' + m[:20], mnemonic_seed(m, 'TREZOR').hex(), s)
    if x:
        k, c = bip32_master(bytes.fromhex(s)); eq('bip39 xprv', xprv(k, c), x)

# WIF
kw = 0x0C28FCA386C7A227600B2FE50B7CAE11EC86D3BF1FBE471BE89827E19D72AA1D
eq('wif', wif(kw, False), '5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ')
eq('wif c', wif(kw, True), 'KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617')
eq('wif testnet', wif(kw, False, True), '91gGn1HgSap6CbU12F6z3pJri26xzp7Ay1VW6NHCoEayNXwRpu2')
eq('wif testnet c', wif(kw, True, True), 'cMzLdeGd5vEqxB8B6VFQoRopQ3sLAAvEzDAoQgvX54xwofSWj1fx')
eq('wif pub', ser_c(pmul(kw)).hex(), '02d0de0aaeaefad02b8bdc8a01a1b8b11c696bd3d66a2c5f10780d95b7df42645c')

# Ethereum
eq('eth 1', eth_address(pmul(1)), '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf')
eq('eth 4c08', eth_address(pmul(0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318)), '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23')
for a in ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed','0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359','0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB','0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb','0x52908400098527886E0F7030069857D2E4169EE7','0x8617E340B3D01FA5F11F306F4090FD50E238070D','0xde709f2102306220921060314715629080e2fb77','0x27b1fdb04752bbc536007a920d24acb045561c26']:
    eq('eip55 ' + a, eip55(a), a)

# abandon about
ab = mnemonic_seed('abandon ' * 11 + 'about')
k, _ = bip32_derive(ab, "m/44'/60'/0'/0/0"); eq('bip44 eth', eth_address(pmul(k)), '0x9858EfFD232B4033E47d90003D41EC34EcaEda94')
k, _ = bip32_derive(ab, "m/84'/0'/0'/0/0"); eq('bip84', p2wpkh(pmul(k)), 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu')
eq('bip84 wif', wif(k, True), 'KyZpNDKnfs94vbrwhJneDi77V6jF64PWPF8x5cdJb8ifgg2DUc9d')
eq('bip84 pub', ser_c(pmul(k)).hex(), '0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c')
k, _ = bip32_derive(ab, "m/86'/0'/0'/0/0"); eq('bip86', p2tr(pmul(k)), 'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr')
eq('bip86 internal', pmul(k)[0].to_bytes(32,'big').hex(), 'cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115')
eq('bip86 pub', ser_c(pmul(k)).hex(), '03cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115')
Pt = lift_x(pmul(k)[0]); tw = int.from_bytes(tagged('TapTweak', Pt[0].to_bytes(32, 'big')), 'big')
eq('bip86 output key', padd(Pt, pmul(tw))[0].to_bytes(32, 'big').hex(), 'a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c')
for p, pub, a in [("m/86'/0'/0'/0/1", '0283dfe85a3151d2517290da461fe2815591ef69f2b18a2ce63f01697a8b313145', 'bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh'), ("m/86'/0'/0'/1/0", '02399f1b2f4393f29a18c937859c5dd8a77350103157eb880f02e8c08214277cef', 'bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7')]:
    k, _ = bip32_derive(ab, p); eq('bip86 pub ' + p, ser_c(pmul(k)).hex(), pub); eq('bip86 ' + p, p2tr(pmul(k)), a)
k, _ = slip10(ab, "m/44'/501'/0'/0'"); eq('solana abandon', b58enc(ed_pub(k)), 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk')
eq('bip39 18-word trezor', mnemonic_seed(entropy_to_mnemonic(bytes(24)), 'TREZOR').hex(), '035895f2f481b1b0f01fcf8c289c794660b289981a78f8106447707fdd9666ca06da5a9a565181599b79f53b844d8a71dd9f439c52a3d7b3e8a79c906ac845fa')
# BIP-39 NFKD: a non-ASCII passphrase (composed letters and the "fi" ligature).
ab_pw = mnemonic_seed('abandon ' * 11 + 'about', 'p\u00e4ssw\u00f6rd \ufb01')
k, _ = bip32_derive(ab_pw, "m/44'/60'/0'/0/0"); eq('bip39 nfkd passphrase eth', eth_address(pmul(k)), '0x29d2895E333389de5Ec2B95Ae0a4015266dD5681')
k, _ = slip10(ab_pw, "m/44'/501'/0'/0'"); eq('bip39 nfkd passphrase solana', b58enc(ed_pub(k)), '492XWCthZL9hDEeV7z5pZutyHY1SLTtRUxCBHmRtmU9K')
eq('tagged hash', tagged('TapTweak', bytes(32)).hex(), '38acfd2d72ad71541503bf9521485ed40eb70ad40dd562d29677a32c917d8e61')

# Web3 Secret Storage PBKDF2 vector: derived key and MAC.
import json, os
ks = json.load(open(os.path.join(HERE, 'web3-pbkdf2.json')))['crypto']
p = ks['kdfparams']
dk = hashlib.pbkdf2_hmac('sha256', b'testpassword', bytes.fromhex(p['salt']), p['c'], 32)
eq('web3 pbkdf2 mac', keccak256(dk[16:32] + bytes.fromhex(ks['ciphertext'])).hex(), ks['mac'])
eq('web3 key address', eth_address(pmul(0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d)).lower(), '0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b')
eq('example ForKey p2wpkh', p2wpkh(pmul(0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318)), 'bc1qnduq8yy8h4nr7g9vuuglzklqatmaquq9ac42k2')
eq('example ForKey p2tr', p2tr(pmul(0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318)), 'bc1pv5t8d9dxy577s0vpq8u79qkvyrguursfkh5fhlcnckf5f26y647sgwjtq3')

for h, b in [('', ''), ('61', '2g'), ('626262', 'a3gV'), ('636363', 'aPEr'), ('73696d706c792061206c6f6e6720737472696e67', '2cFupjhnEsSn59qHXstmK2ffpLv2'), ('00eb15231dfceb60925886b67d065299925915aeb172c06647', '1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L'), ('516b6fcd0f', 'ABnLTmg'), ('bf4f89001e670274dd', '3SEo3LWLoPntC'), ('572e4794', '3EFU7m'), ('ecac89cad93923c02321', 'EJDM8drfXA6uyA'), ('10c8511e', 'Rt5zm'), ('00000000000000000000', '1111111111'), ('000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5', '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'), ('000000287fb4cd', '111233QC4')]:
    eq('base58 ' + b, b58enc(bytes.fromhex(h)), b)
    eq('base58 decode ' + b, b58dec(b).hex(), h)

valid32 = ['A12UEL5L','a12uel5l','an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs','abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw','11' + 'q' * 82 + 'c8247j','split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w','?1ezyfcl']
valid32m = ['A1LQFN3A','a1lqfn3a','an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6','abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx','11' + 'l' * 82 + 'ludsr8','split1checkupstagehandshakeupstreamerranterredcaperredlc445v','?1v759aa']
inv32 = ['\x201nwldj5','\x7f1axkwrx','\x801eym55h','an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx','pzry9x0s0muk','1pzry9x0s0muk','x1b4n0q5v','li1dgmt3','de1lg7wt\xff','A1G7SGD8','10a06t8','1qzzfhee']
inv32m = ['\x201xj0phk','\x7f1g6xzxy','\x801vctc34','an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4','qyrz8wqd2c9m','1qyrz8wqd2c9m','y1b0jsk6g','lt1igcx5c0','in1muywd','mm1crxm3i','au1s5cgom','M1VUXWEZ','16plkw9','1p2gdwpf']
for s in valid32: d = bech_decode(s); eq('bech32 ' + repr(s), bool(d) and d[2] is False, True)
for s in valid32m: d = bech_decode(s); eq('bech32m ' + repr(s), bool(d) and d[2] is True, True)
for s in inv32: d = bech_decode(s); eq('invalid bech32 ' + repr(s), not d or d[2] is not False, True)
for s in inv32m: d = bech_decode(s); eq('invalid bech32m ' + repr(s), not d or d[2] is not True, True)
vs = [('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4','0014751e76e8199196d454941c45d1b3a323f1433bd6'),
('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7','00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262'),
('bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y','5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6'),
('BC1SW50QGDZ25J','6002751e'),
('bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs','5210751e76e8199196d454941c45d1b3a323'),
('tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy','0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'),
('tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c','5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'),
('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0','512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798')]
for a, spk in vs:
    hrp = a[:2].lower(); d = segwit_decode(hrp, a)
    got = bytes([d[0] + 0x50 if d[0] else 0, len(d[1])]) + d[1] if d else None
    eq('segwit ' + a, got.hex() if got else None, spk)
    eq('segwit encode ' + a, segwit_encode(hrp, d[0], d[1]) if d else None, a.lower())
inv = ['tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut','bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd','tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf','BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL','bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh','tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47','bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4','BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R','bc1pw5dgrnzv','bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav','BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P','tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq','bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf','tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j','bc1gmk9yu']
for a in inv:
    eq('invalid segwit ' + a, segwit_decode('bc', a) is None and segwit_decode('tb', a) is None, True)

# Legacy P2PKH ("1…") and nested SegWit P2SH-P2WPKH ("3…") addresses, and their
# testnet forms, for the address package's Match: key 1 (well known), the
# BIP-44 and BIP-49 first addresses of the "abandon … about" mnemonic.
def p2pkh(pt, comp=True, ver=0): return b58check(bytes([ver]) + hash160(ser_c(pt) if comp else ser_u(pt)))
def p2sh_p2wpkh(pt, ver=5): return b58check(bytes([ver]) + hash160(b'\x00\x14' + hash160(ser_c(pt))))
eq('p2pkh 1', p2pkh(pmul(1)), '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH')
eq('p2pkh 1 uncompressed', p2pkh(pmul(1), False), '1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm')
eq('p2sh-p2wpkh 1', p2sh_p2wpkh(pmul(1)), '3JvL6Ymt8MVWiCNHC7oWU6nLeHNJKLZGLN')
eq('p2pkh 1 testnet', p2pkh(pmul(1), True, 0x6f), 'mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r')
eq('p2sh-p2wpkh 1 testnet', p2sh_p2wpkh(pmul(1), 0xc4), '2NAUYAHhujozruyzpsFRP63mbrdaU5wnEpN')
eq('p2wpkh 1 testnet', segwit_encode('tb', 0, hash160(ser_c(pmul(1)))), 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx')
k, _ = bip32_derive(ab, "m/44'/0'/0'/0/0"); eq('bip44 p2pkh', p2pkh(pmul(k)), '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA')
k, _ = bip32_derive(ab, "m/49'/0'/0'/0/0"); eq('bip49 p2sh-p2wpkh', p2sh_p2wpkh(pmul(k)), '37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf')
k, _ = bip32_derive(ab, "m/49'/1'/0'/0/0"); eq('bip49 testnet p2sh-p2wpkh', p2sh_p2wpkh(pmul(k), 0xc4), '2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2')
k4c = 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318
eq('p2pkh 4c08', p2pkh(pmul(k4c)), '1FB3WSwtExGLQUmNp4AQF66tAwAQp6igW3')
eq('p2sh-p2wpkh 4c08', p2sh_p2wpkh(pmul(k4c)), '36WJjPWBv8vhG8Wd4eBZwXGtyVr1Gw7g77')

if FAILED:
    print('FAILED:', ', '.join(FAILED))
    sys.exit(1)
print('all vectors agree')
