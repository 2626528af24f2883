* RC low-pass filter: R = 1.5k, C = 47n, f(-3 dB) = 1/(2 pi R C) = 2257.6 Hz
V1 in 0 dc 0 ac 1 pulse(0 1 0 1u 1u 1m 2m)
R1 in out 1.5k
C1 out 0 47n
.ac dec 100 10 1meg
.tran 2u 1m
.meas ac f3db when vdb(out)=-3.0103
.meas tran tdelay trig v(in) val=0.5 rise=1 targ v(out) val=0.5 rise=1
.end
