// Times oneDNN's RNN primitive on the rnnkernels benchmark shapes, for the report's oneDNN column.
//
// Built and run by the main job (OneDnnPeers.java) when Debian's libdnnl-dev is installed:
//   g++ -O2 -std=c++17 -fopenmp onednn_peers.cpp -ldnnl -o onednn_peers
//   OMP_NUM_THREADS=n ./onednn_peers --threads n --shapes 1x256x200,16x256x100 --cells GRU,LSTM,RNN_TANH
// One JSON object per line: cell, shape, threads, median/p25/p75/min/mean/max microseconds per full-sequence
// forward (forward_inference, one layer, left to right, input [T, B, I] with I = H, zero initial state),
// runs, and what oneDNN ran (version, effective ISA, implementation name). The report compares the mean, as
// JMH's average time is a mean: on these 2-core virtual machines a call now and then waits ~100 ms for a core
// (any process with two busy threads, a plain spin loop too), which a median hides and a mean does not.
//
// Cells: RNN_TANH, RNN_RELU (vanilla_rnn), LSTM, GRU (lbr_gru: the linear-before-reset GRU, which is
// PyTorch's and rnnkernels' GRU), and LSTM_INT8, GRU_INT8: the same with u8 activations and s8 weights
// (oneDNN's int8 RNN: data scale and shift, per-output-channel weight scales, int32 accumulation).
// Every tensor is oneDNN's choice of layout (format_tag::any); the weights are reordered into it once,
// before timing, as rnnkernels packs its weights once.
#include <oneapi/dnnl/dnnl.hpp>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

struct Options {
    int threads = 1;
    std::vector<std::string> shapes;
    std::vector<std::string> cells;
    int warmup = 5;
    int min_runs = 10;
    double min_seconds = 1.0;
};

std::vector<std::string> split(const std::string &s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string part;
    while (std::getline(in, part, ',')) {
        if (!part.empty()) out.push_back(part);
    }
    return out;
}

const char *isa_name(cpu_isa isa) {
    switch (isa) {
        case cpu_isa::sse41: return "sse41";
        case cpu_isa::avx: return "avx";
        case cpu_isa::avx2: return "avx2";
        case cpu_isa::avx2_vnni: return "avx2_vnni";
        case cpu_isa::avx512_core: return "avx512_core";
        case cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
        case cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
        case cpu_isa::avx512_core_amx: return "avx512_core_amx";
        default: return "other";
    }
}

// Fills a memory object of f32, u8 or s8 from a uniform draw in [-range, range] (f32), or the
// quantised grid (u8 around 128, s8 in [-127, 127]).
void fill(memory &m, std::mt19937 &rng, float range) {
    memory::desc d = m.get_desc();
    size_t bytes = d.get_size();
    std::uniform_real_distribution<float> u(-range, range);
    if (d.data_type() == dt::f32) {
        float *p = static_cast<float *>(m.get_data_handle());
        for (size_t i = 0; i < bytes / sizeof(float); i++) p[i] = u(rng);
    } else if (d.data_type() == dt::u8) {
        uint8_t *p = static_cast<uint8_t *>(m.get_data_handle());
        for (size_t i = 0; i < bytes; i++) p[i] = static_cast<uint8_t>(128 + std::lround(u(rng) / range * 60));
    } else {
        int8_t *p = static_cast<int8_t *>(m.get_data_handle());
        for (size_t i = 0; i < bytes; i++) p[i] = static_cast<int8_t>(std::lround(u(rng) / range * 127));
    }
}

struct Result {
    std::vector<double> us;
    std::string impl;
};

// A memory of the primitive's layout for `want`; when the user's plain layout `user` differs, filled
// through one reorder (done once, outside the timing).
memory packed(const memory::desc &want, const memory::desc &user, engine &eng, stream &s, std::mt19937 &rng,
              float range) {
    memory out(want, eng);
    if (want == user) {
        fill(out, rng, range);
        return out;
    }
    memory plain(user, eng);
    fill(plain, rng, range);
    reorder(plain, out).execute(s, plain, out);
    s.wait();
    return out;
}

Result time_cell(const std::string &cell, int B, int H, int T, const Options &o, engine &eng, stream &s) {
    const bool int8 = cell.size() > 5 && cell.compare(cell.size() - 5, 5, "_INT8") == 0;
    const std::string base = int8 ? cell.substr(0, cell.size() - 5) : cell;
    const int I = H, L = 1, D = 1;
    int G, biasG;
    if (base == "LSTM") {
        G = 4; biasG = 4;
    } else if (base == "GRU") {
        G = 3; biasG = int8 ? 3 : 4;  // lbr_gru carries a fourth bias (b_hn); int8 runs gru_forward (see below)
    } else if (base == "RNN_TANH" || base == "RNN_RELU") {
        G = 1; biasG = 1;
    } else {
        throw std::invalid_argument("unknown cell " + cell);
    }
    const dt act = int8 ? dt::u8 : dt::f32;
    const dt wt = int8 ? dt::s8 : dt::f32;
    memory::desc src_layer({T, B, I}, act, tag::any), dst_layer({T, B, H}, act, tag::any);
    // No initial or final state (zero descriptors): oneDNN starts from h = c = 0 and does not write the
    // last state out, as rnnkernels' timed forward keeps its state internally.
    memory::desc src_iter, dst_iter, src_iter_c, dst_iter_c;
    memory::desc w_layer({L, D, I, G, H}, wt, tag::any), w_iter({L, D, H, G, H}, wt, tag::any);
    memory::desc bias({L, D, biasG, H}, dt::f32, tag::any);

    primitive_attr attr;
    if (int8) {
        // x_u8 = 60 x + 128 for x in [-1, 1]; weight scales per gate and output column (mask 3 | 4 on ldigo).
        attr.set_rnn_data_qparams(60.f, 128.f);
        attr.set_rnn_weights_qparams((1 << 3) | (1 << 4), std::vector<float>(size_t(G) * H, 127.f * std::sqrt(float(H))));
    }
    const auto inference = prop_kind::forward_inference;
    const auto dir = rnn_direction::unidirectional_left2right;
    primitive prim;
    primitive_desc_base pd;
    if (base == "LSTM") {
        lstm_forward::primitive_desc p(lstm_forward::desc(inference, dir, src_layer, src_iter, src_iter_c, w_layer,
                                                          w_iter, bias, dst_layer, dst_iter, dst_iter_c), attr, eng);
        prim = lstm_forward(p);
        pd = p;
    } else if (base == "GRU" && !int8) {
        lbr_gru_forward::primitive_desc p(lbr_gru_forward::desc(inference, dir, src_layer, src_iter, w_layer, w_iter,
                                                                bias, dst_layer, dst_iter), attr, eng);
        prim = lbr_gru_forward(p);
        pd = p;
    } else if (base == "GRU") {
        // oneDNN 2.6 has no int8 linear-before-reset GRU; its int8 GRU is the original GRU
        // (r applied to h before the product), the same products and gate count.
        gru_forward::primitive_desc p(gru_forward::desc(inference, dir, src_layer, src_iter, w_layer, w_iter, bias,
                                                        dst_layer, dst_iter), attr, eng);
        prim = gru_forward(p);
        pd = p;
    } else {
        algorithm a = base == "RNN_TANH" ? algorithm::eltwise_tanh : algorithm::eltwise_relu;
        vanilla_rnn_forward::primitive_desc p(vanilla_rnn_forward::desc(inference, a, dir, src_layer, src_iter, w_layer,
                                                                        w_iter, bias, dst_layer, dst_iter), attr, eng);
        prim = vanilla_rnn_forward(p);
        pd = p;
    }

    std::mt19937 rng(1);
    const float wr = 1.f / std::sqrt(float(H));
    memory sl = packed(pd.query_md(query::exec_arg_md, DNNL_ARG_SRC_LAYER),
                       memory::desc({T, B, I}, act, tag::tnc), eng, s, rng, 1.f);
    memory wl = packed(pd.query_md(query::exec_arg_md, DNNL_ARG_WEIGHTS_LAYER),
                       memory::desc({L, D, I, G, H}, wt, tag::ldigo), eng, s, rng, wr);
    memory wi = packed(pd.query_md(query::exec_arg_md, DNNL_ARG_WEIGHTS_ITER),
                       memory::desc({L, D, H, G, H}, wt, tag::ldigo), eng, s, rng, wr);
    memory bi = packed(pd.query_md(query::exec_arg_md, DNNL_ARG_BIAS),
                       memory::desc({L, D, biasG, H}, dt::f32, tag::ldgo), eng, s, rng, wr);
    memory dl(pd.query_md(query::exec_arg_md, DNNL_ARG_DST_LAYER), eng);
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC_LAYER, sl}, {DNNL_ARG_WEIGHTS_LAYER, wl},
                                            {DNNL_ARG_WEIGHTS_ITER, wi}, {DNNL_ARG_BIAS, bi},
                                            {DNNL_ARG_DST_LAYER, dl}};
    // Scratchpad: the library's own (the default mode); no workspace in inference.

    Result r;
    r.impl = pd.impl_info_str();
    for (int i = 0; i < o.warmup; i++) {
        prim.execute(s, args);
    }
    s.wait();
    auto start = std::chrono::steady_clock::now();
    while (true) {
        auto t0 = std::chrono::steady_clock::now();
        prim.execute(s, args);
        s.wait();
        auto t1 = std::chrono::steady_clock::now();
        r.us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        double total = std::chrono::duration<double>(t1 - start).count();
        if ((int(r.us.size()) >= o.min_runs && total >= o.min_seconds) || r.us.size() >= 100000) break;
    }
    return r;
}

double quantile(const std::vector<double> &sorted, double f) {
    size_t n = sorted.size();
    size_t i = std::min(n - 1, size_t(f * double(n - 1) + 0.5));
    return sorted[i];
}

}  // namespace

int main(int argc, char **argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--threads") o.threads = std::stoi(v);
        else if (k == "--shapes") o.shapes = split(v);
        else if (k == "--cells") o.cells = split(v);
        else if (k == "--warmup") o.warmup = std::stoi(v);
        else if (k == "--min-runs") o.min_runs = std::stoi(v);
        else if (k == "--min-seconds") o.min_seconds = std::stod(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    if (o.shapes.empty() || o.cells.empty()) {
        std::fprintf(stderr, "usage: onednn_peers --threads N --shapes BxHxT,... --cells GRU,LSTM,...\n");
        return 2;
    }
    omp_set_num_threads(o.threads);
    engine eng(engine::kind::cpu, 0);
    stream s(eng);
    const version_t *v = version();
    const char *isa = isa_name(get_effective_cpu_isa());
    for (const std::string &cell : o.cells) {
        for (const std::string &shape : o.shapes) {
            int B, H, T;
            if (std::sscanf(shape.c_str(), "%dx%dx%d", &B, &H, &T) != 3) {
                std::fprintf(stderr, "bad shape %s (expected BxHxT)\n", shape.c_str());
                return 2;
            }
            std::string impl;
            std::vector<double> us;
            try {
                Result r = time_cell(cell, B, H, T, o, eng, s);
                us = r.us;
                impl = r.impl;
            } catch (const std::exception &e) {
                // A cell oneDNN cannot run here (e.g. int8 without the ISA it needs): say so, go on.
                std::printf("{\"cell\":\"%s\",\"shape\":\"%s\",\"threads\":%d,\"error\":\"%s\"}\n", cell.c_str(),
                            shape.c_str(), o.threads, e.what());
                std::fflush(stdout);
                continue;
            }
            std::sort(us.begin(), us.end());
            std::printf("{\"cell\":\"%s\",\"shape\":\"%s\",\"threads\":%d,\"medianUs\":%.3f,\"p25Us\":%.3f,"
                        "\"p75Us\":%.3f,\"minUs\":%.3f,\"runs\":%zu,\"onednn\":\"%d.%d.%d\",\"isa\":\"%s\","
                        "\"impl\":\"%s\",\"ompThreads\":%d,\"meanUs\":%.3f,\"maxUs\":%.3f}\n",
                        cell.c_str(), shape.c_str(), o.threads, quantile(us, 0.5), quantile(us, 0.25),
                        quantile(us, 0.75), us[0], us.size(), v->major, v->minor, v->patch, isa, impl.c_str(),
                        omp_get_max_threads(), std::accumulate(us.begin(), us.end(), 0.0) / us.size(), us.back());
            std::fflush(stdout);
        }
    }
    return 0;
}
